import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoTool, startGoTool, type RunningGoTool } from '../../src/dev/go-tool';

/** The credentials tools/s3-test-server is started with. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'malted-test', secretAccessKey: 'malted-test-secret' };

export interface RunningS3TestServer {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Builds (once, cached in .cache/) and starts tools/s3-test-server, MinIO embedded in a tiny Go program, on a
 * free port with its data in a temporary folder that stop() removes.
 */
export async function startS3TestServer(): Promise<RunningS3TestServer> {
  const binary = buildGoTool('s3-test-server');
  const dir = mkdtempSync(join(tmpdir(), 'malted-s3-'));
  let server: RunningGoTool;
  try {
    server = await startGoTool(
      binary,
      [
        '-data-dir',
        dir,
        '-access-key',
        S3_TEST_CREDENTIALS.accessKeyId,
        '-secret-key',
        S3_TEST_CREDENTIALS.secretAccessKey,
        '-exit-on-stdin-close',
      ],
      's3-test-server',
      60_000,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: server.address,
    stop: async () => {
      await server.stop('SIGKILL'); // its data is thrown away: no need to wait for a clean shutdown
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
