import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './servers';

/** The nginx configuration the repository ships (README, Files). */
export const NGINX_TEMPLATE = resolve(__dirname, '..', '..', 'deploy', 'nginx', 'malted.conf.template');

export interface NginxOptions {
  /** host:port of the Malted API behind nginx. */
  app: string;
  /** STORAGE_LOCAL_DIR of the app, for STORAGE_DRIVER=local. */
  storageLocalDir?: string;
  /** S3_ENDPOINT of the app, for STORAGE_DRIVER=s3. */
  s3Endpoint?: string;
  /** Defaults to a free port. */
  port?: number;
  /** nginx worker processes (1). */
  workers?: number;
  /** Log every request to access.log in its folder (true); benchmarks turn it off. */
  accessLog?: boolean;
  /** Also serve this directory as plain static files on another free port (staticUrl), for comparisons. */
  staticRoot?: string;
  /** Another configuration with the same placeholders instead of the shipped one (benchmarks compare variants). */
  template?: string;
}

export interface RunningNginx {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** http://127.0.0.1:<port> of options.staticRoot, when given. */
  staticUrl?: string;
  /** The filled-in template, as nginx read it. */
  config: string;
  /** What nginx wrote to its error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

/** The nginx binary: from PATH, or where Debian's package puts it. */
export function nginxBinary(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    if (spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/** Fills the template's ${NAME} placeholders, refusing any left unfilled (as envsubst would leave them empty). */
export function renderNginxTemplate(values: Record<string, string>, template = readFileSync(NGINX_TEMPLATE, 'utf8')): string {
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`no value for \${${name}} in ${NGINX_TEMPLATE}`);
    return values[name];
  });
}

function waitForPort(port: number, timeoutMs: number, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => {
        socket.destroy();
        if (exited() || Date.now() > deadline) done(false);
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * A private nginx in the foreground (`-p <tmp> -c <tmp>/nginx.conf`) serving the shipped template on
 * 127.0.0.1, with its pid file, logs and temporary files in a temporary folder that stop() removes.
 */
export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)');
  const port = options.port ?? (await freePort());
  const staticPort = options.staticRoot ? await freePort() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'malted-nginx-'));
  const s3 = options.s3Endpoint ? new URL(options.s3Endpoint) : undefined;
  const s3Port = s3 && (s3.port || (s3.protocol === 'https:' ? '443' : '80'));
  const config = renderNginxTemplate(
    {
      MALTED_NGINX_PORT: `127.0.0.1:${port}`,
      MALTED_APP: options.app,
      MALTED_STORAGE_LOCAL_DIR: resolve(options.storageLocalDir ?? dir),
      MALTED_S3_SERVER: s3 ? `${s3.hostname}:${s3Port}` : '127.0.0.1:9',
      MALTED_S3_SCHEME: s3 ? s3.protocol.replace(':', '') : 'http',
      MALTED_NGINX_CACHE_DIR: dir,
    },
    options.template === undefined ? undefined : readFileSync(options.template, 'utf8'),
  );
  writeFileSync(join(dir, 'malted.conf'), config);
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      // As root nginx would run its workers as nobody, who cannot read the test's private folders.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      `worker_processes ${options.workers ?? 1};`,
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} info;`,
      'events { worker_connections 1024; }',
      'http {',
      options.accessLog === false ? '  access_log off;' : `  access_log ${join(dir, 'access.log')};`,
      `  client_body_temp_path ${join(dir, 'body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      '  default_type application/octet-stream;',
      `  include ${join(dir, 'malted.conf')};`,
      // With sendfile, as the shipped configuration sends files.
      ...(staticPort
        ? [`  server { listen 127.0.0.1:${staticPort}; root ${resolve(options.staticRoot!)}; sendfile on; tcp_nopush on; }`]
        : []),
      '}',
      '',
    ].join('\n'),
  );
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  // -e: the log of start-up errors, before nginx.conf names its own.
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async () => {
    if (!exited()) {
      await new Promise<void>((done) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM'); // fast shutdown: the master stops its workers and exits
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await waitForPort(port, 10_000, exited)) || (staticPort && !(await waitForPort(staticPort, 10_000, exited)))) {
    const log = `${stderr}${errorLog()}`;
    await stop();
    throw new Error(`nginx did not start on port ${port}:\n${log}`);
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    staticUrl: staticPort ? `http://127.0.0.1:${staticPort}` : undefined,
    config,
    errorLog,
    stop,
  };
}
