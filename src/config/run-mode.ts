/** How one image runs: the HTTP API, the Bull worker, or both in one process (the local default). */
export enum RunMode {
  All = 'all',
  Api = 'api',
  Worker = 'worker',
}

export const servesApi = (mode: RunMode): boolean => mode !== RunMode.Worker;
export const runsJobs = (mode: RunMode): boolean => mode !== RunMode.Api;
