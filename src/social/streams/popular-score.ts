/** MLKSHK's popular score: likes decaying with age, likes / (minutes + 3)^1.5. */
export function popularScore(likes: number, createdAt: Date, now: Date): number {
  const minutes = Math.max(0, (now.getTime() - createdAt.getTime()) / 60_000);
  return likes / Math.pow(minutes + 3, 1.5);
}
