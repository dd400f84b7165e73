import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const mongo = globalThis.__MALTED_MONGO__;
  if (!mongo) return;
  await mongo.server.stop('SIGKILL'); // its data is thrown away: no need to wait for a clean shutdown
  rmSync(mongo.dir, { recursive: true, force: true });
}
