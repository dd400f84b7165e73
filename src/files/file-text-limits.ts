/** Lengths of the words people attach to a file (titles as in MLKSHK). */
export const FILE_TEXT_LIMITS = { title: 250, description: 2000, altText: 1000 } as const;
