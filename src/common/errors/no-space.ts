/** A file system error saying the disk (ENOSPC) or the user's disk quota (EDQUOT) is full. */
export const isNoSpaceError = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};
