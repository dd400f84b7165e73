import type { Environment } from '../../config/environment';

/** What an upload may be; read from the validated configuration. */
export interface UploadLimits {
  maxBytes: number;
  maxPixels: number;
  tmpDir: string;
}

export function uploadLimitsFrom(env: Pick<Environment, 'UPLOAD_MAX_BYTES' | 'UPLOAD_MAX_PIXELS' | 'UPLOAD_TMP_DIR'>): UploadLimits {
  return { maxBytes: env.UPLOAD_MAX_BYTES, maxPixels: env.UPLOAD_MAX_PIXELS, tmpDir: env.UPLOAD_TMP_DIR };
}
