import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLES, validateEnvironment } from '../src/config/environment';
import { buildGoTool, REPO_ROOT } from '../src/dev/go-tool';
import { nginxSize } from './support/k8s-manifests';

/**
 * docker-compose.yml without a Docker engine: tools/compose-check loads it with compose-go, the library Docker
 * Compose is built on (the Compose Specification's JSON schema, interpolation, consistency checks), and prints
 * the loaded project; these tests hold that project against the app.
 */

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  environment?: Record<string, string | null>;
  ports?: { target: number; published: string }[];
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  read_only?: boolean;
  cap_drop?: string[];
  group_add?: string[];
}
interface Project {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
let binary: string;
let project: Project;

function composeCheck(file: string) {
  return spawnSync(binary, [file], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(() => {
  binary = buildGoTool('compose-check');
  const result = composeCheck(COMPOSE_FILE);
  if (result.status !== 0) throw new Error(`compose-check failed:\n${result.stderr}`);
  project = JSON.parse(result.stdout) as Project;
}, 10 * 60_000);

const service = (name: string) => project.services[name];
const environment = (name: string) => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, v ?? '']));
const seconds = (duration: string) => {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration)!;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
};

it('runs MongoDB, Redis, the API, the worker and nginx, each with a health check', () => {
  expect(project.name).toBe('malted');
  expect(Object.keys(project.services).sort()).toEqual(['api', 'mongodb', 'nginx', 'redis', 'worker']);
  for (const [name, definition] of Object.entries(project.services)) {
    expect([name, definition.healthcheck?.test[0]]).toEqual([name, 'CMD']);
  }
});

it('keeps the data of each stateful service in a named volume', () => {
  const mounts = (name: string) => (service(name).volumes ?? []).map((v) => `${v.type}:${v.source}:${v.target}`);
  expect(mounts('mongodb')).toEqual(['volume:mongodb-data:/data/db']);
  expect(mounts('redis')).toEqual(['volume:redis-data:/data']);
  const files = `volume:files:${environment('api').STORAGE_LOCAL_DIR}`;
  for (const name of ['api', 'worker', 'nginx']) expect(mounts(name)).toContain(files);
  expect(service('nginx').volumes!.find((v) => v.source === 'files')!.read_only).toBe(true);
  expect(Object.keys(project.volumes).sort()).toEqual(['files', 'mongodb-data', 'redis-data']);
});

it.each(['api', 'worker'])('starts the %s with variables the app reads and a configuration it accepts in production', (name) => {
  const env = environment(name);
  for (const variable of Object.keys(env)) expect([variable, ENVIRONMENT_VARIABLES.includes(variable)]).toEqual([variable, true]);
  expect(env.NODE_ENV).toBe('production');
  const parsed = validateEnvironment(env);
  expect(parsed.MALTED_MODE).toBe(name);
  // The process exits at SHUTDOWN_TIMEOUT_MS after SIGTERM at the latest; Docker kills it at stop_grace_period.
  expect(seconds(service(name).stop_grace_period!) * 1000).toBeGreaterThanOrEqual(parsed.SHUTDOWN_TIMEOUT_MS + 5000);
  expect(service(name).healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${parsed.PORT}/health/ready`);
  expect(service(name).depends_on).toEqual({
    mongodb: expect.objectContaining({ condition: 'service_healthy' }),
    redis: expect.objectContaining({ condition: 'service_healthy' }),
  });
  expect(service(name).build?.context).toBe(REPO_ROOT);
  expect([service(name).read_only, service(name).cap_drop]).toEqual([true, ['ALL']]);
  expect(service(name).ports ?? []).toEqual([]);
});

it('runs the API and the worker from one image', () => {
  expect(service('api').image).toBe(service('worker').image);
});

it('connects to the replica set the MongoDB health check initiates, and to Redis', () => {
  const env = validateEnvironment(environment('api'));
  const mongo = new URL(env.MONGODB_URI!);
  const command = service('mongodb').command!;
  const replSet = command[command.indexOf('--replSet') + 1];
  expect(mongo.searchParams.get('replicaSet')).toBe(replSet);
  expect(mongo.hostname).toBe('mongodb');
  const check = service('mongodb').healthcheck!.test.join(' ');
  expect(check).toContain(`_id: '${replSet}'`);
  expect(check).toContain(`host: '${mongo.host}'`);
  const redis = new URL(env.REDIS_URL!);
  expect(redis.hostname).toBe('redis');
  expect(service('redis').command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
});

it('publishes only nginx, which serves the stored files for the API (accel)', () => {
  const env = validateEnvironment(environment('api'));
  expect([env.FILE_SERVING, env.STORAGE_DRIVER, env.TRUST_PROXY_HOPS]).toEqual(['accel', 'local', 1]);
  const nginx = service('nginx');
  const nginxEnv = environment('nginx');
  expect(nginx.ports).toEqual([expect.objectContaining({ target: Number(nginxEnv.MALTED_NGINX_PORT), published: '8080' })]);
  expect(nginxEnv.MALTED_APP).toBe(`api:${env.PORT}`);
  expect(nginxEnv.MALTED_STORAGE_LOCAL_DIR).toBe(env.STORAGE_LOCAL_DIR);
  expect(nginx.group_add).toEqual(['1000']); // the app's files are 0640, group node (1000)
  const template = nginx.volumes!.find((v) => v.target === '/etc/nginx/templates/malted.conf.template')!;
  expect(template.source).toBe(join(REPO_ROOT, 'deploy/nginx/malted.conf.template'));
  const text = readFileSync(template.source, 'utf8');
  for (const [, name] of text.matchAll(/\$\{([A-Z0-9_]+)\}/g)) expect(Object.keys(nginxEnv)).toContain(name);
  expect(text).toContain(`location ${env.FILE_ACCEL_PREFIX}/ {`);
  expect(nginxSize(/client_max_body_size (\S+);/.exec(text)![1])).toBeGreaterThanOrEqual(env.UPLOAD_MAX_BYTES);
  expect(nginx.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${nginxEnv.MALTED_NGINX_PORT}/health/live`);
  expect(nginx.depends_on).toEqual({ api: expect.objectContaining({ condition: 'service_healthy' }) });
});

it('is in the README', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('## Run with Docker Compose');
  expect(readme).toContain('docker compose up');
});

describe('compose-check', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'malted-compose-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it.each([
    ['a misspelt key', /^ {4}healthcheck:$/m, '    healtcheck:', /services\.\w+\.healtcheck/],
    ['a wrong type', 'retries: 10', 'retries: ten', /retries/],
    [
      'a dependency on no service',
      'api: { condition: service_healthy }',
      'app: { condition: service_healthy }',
      /depends on undefined service "app"/,
    ],
    ['an undeclared volume', '- files:/var/lib/malted/files:ro', '- file:/var/lib/malted/files:ro', /undefined volume file/],
  ])('refuses %s', (_, from, to, message) => {
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    const broken = text.replace(from, to);
    expect(broken).not.toBe(text);
    const file = join(work, 'docker-compose.yml');
    writeFileSync(file, broken);
    const result = composeCheck(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
