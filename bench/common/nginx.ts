import { startNginx, type NginxOptions, type RunningNginx } from '../../test/harness/nginx';

/**
 * The nginx of the tests (test/harness/nginx.ts, the shipped deploy/nginx/malted.conf.template) for a benchmark:
 * no access log, one worker unless told; `staticRoot` adds a plain static server of that folder beside it
 * (staticUrl), for accel against nginx serving the same file itself. BENCH_NGINX_TEMPLATE names another
 * configuration with the same placeholders to measure instead of the shipped one.
 */
export function startBenchNginx(options: NginxOptions): Promise<RunningNginx> {
  return startNginx({ accessLog: false, template: process.env.BENCH_NGINX_TEMPLATE, ...options });
}
