import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import { load } from 'js-yaml';
import { ENVIRONMENT_VARIABLES, validateEnvironment } from '../src/config/environment';
import { HealthController } from '../src/health/health.controller';
import {
  type Container,
  type K8sObject,
  KUSTOMIZATIONS,
  type Kustomization,
  type PodSpec,
  type Rendered,
  manifestTool,
  nginxSize,
  renderKustomizations,
  repoPath,
  runManifestTool,
  selects,
} from './support/k8s-manifests';

/**
 * The Kubernetes manifests against the app. tools/k8s-manifests renders each kustomization with kustomize's Go API
 * (as `kubectl apply -k` does) and decodes every object strictly into the official types, so a misspelt field or
 * a wrong type already fails there; these tests then check what the types cannot: that the manifests and the app
 * agree.
 */

const ROOT = join(__dirname, '..');
const APP_IMAGE = 'ghcr.io/malted/malted';
const OVERLAYS = KUSTOMIZATIONS.filter((dir) => dir.startsWith('k8s/overlays/'));

/** Paths the app serves outside /api: the health controller's routes, which app.factory.ts leaves unprefixed. */
function unprefixedRoutes(): string[] {
  const base = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
  const methods = Object.getOwnPropertyNames(HealthController.prototype).filter((name) => name !== 'constructor');
  const routes = methods
    .map(
      (name) =>
        Reflect.getMetadata(PATH_METADATA, (HealthController.prototype as unknown as Record<string, object>)[name]) as string | undefined,
    )
    .filter((path): path is string => path !== undefined)
    .map((path) => `${base}/${path}`);
  const factory = readFileSync(join(ROOT, 'src/app.factory.ts'), 'utf8');
  const unversioned = /UNVERSIONED_PATHS = \[([^\]]*)\]/.exec(factory)![1];
  const excluded = [...unversioned.matchAll(/'([^']+)'/g)].map((match) => match[1]);
  return routes.filter((route) => excluded.includes(route)).map((route) => `/${route}`);
}

let binary: string;
let rendered: Record<Kustomization, Rendered>;
beforeAll(() => {
  binary = manifestTool();
  rendered = renderKustomizations(binary);
}, 20 * 60_000); // the first build of the Go tool on a clean machine

const objects = (dir: Kustomization, kind?: string) => rendered[dir].objects.filter((o) => !kind || o.kind === kind);
const find = (dir: Kustomization, kind: string, name: string) => objects(dir, kind).find((o) => o.metadata.name === name);
const workloads = (dir: Kustomization) => objects(dir).filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
const podSpec = (workload: K8sObject) => workload.spec.template.spec as PodSpec;
const podLabels = (workload: K8sObject) => workload.spec.template.metadata.labels as Record<string, string>;
const appContainers = (dir: Kustomization) =>
  objects(dir, 'Deployment').flatMap((deployment) =>
    podSpec(deployment)
      .containers.filter((container) => container.image.split(':')[0] === APP_IMAGE)
      .map((container) => ({ deployment, container })),
  );

/** The Secret of the base and of production is not in the repository; its documented example stands in for it. */
function exampleSecret(): K8sObject {
  return load(readFileSync(join(ROOT, 'k8s/overlays/production/secret.example.yaml'), 'utf8')) as K8sObject;
}

function secretValues(secret: K8sObject): Record<string, string> {
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return { ...decoded, ...(secret.stringData ?? {}) };
}

function secretNamed(dir: Kustomization, name: string): Record<string, string> {
  const secret = find(dir, 'Secret', name) ?? (exampleSecret().metadata.name === name ? exampleSecret() : undefined);
  if (!secret) throw new Error(`${dir}: no Secret ${name}`);
  return secretValues(secret);
}

/** The environment a container starts with: envFrom in order, then env (later wins, as in the kubelet). */
function environmentOf(dir: Kustomization, container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find(dir, 'ConfigMap', source.configMapRef.name)?.data ?? {});
    if (source.secretRef) Object.assign(env, secretNamed(dir, source.secretRef.name));
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (from?.secretKeyRef) env[variable.name] = secretNamed(dir, from.secretKeyRef.name)[from.secretKeyRef.key];
    else if (from?.configMapKeyRef) env[variable.name] = find(dir, 'ConfigMap', from.configMapKeyRef.name)!.data![from.configMapKeyRef.key];
  }
  return env;
}

/** Names of every variable a container gets from the manifests (envFrom sources and env). */
function variableNames(dir: Kustomization, container: Container): string[] {
  return Object.keys(environmentOf(dir, container));
}

function containerPort(container: Container, port: string | number): number | undefined {
  if (typeof port === 'number') return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

describe.each(KUSTOMIZATIONS)('%s', (dir) => {
  it('renders with kustomize and decodes strictly into the Kubernetes types (custom resources aside)', () => {
    expect(rendered[dir].objects.length).toBeGreaterThan(0);
    for (const entry of rendered[dir].notInScheme) expect(entry).toMatch(/^ServiceMonitor\.v1\.monitoring\.coreos\.com /);
  });

  it('runs every pod without a service account token, as non-root, without privilege escalation', () => {
    for (const account of objects(dir, 'ServiceAccount')) expect(account.automountServiceAccountToken).toBe(false);
    for (const workload of workloads(dir)) {
      const spec = podSpec(workload);
      expect([workload.metadata.name, spec.automountServiceAccountToken]).toEqual([workload.metadata.name, false]);
      expect([workload.metadata.name, spec.securityContext?.runAsNonRoot]).toEqual([workload.metadata.name, true]);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect([container.name, container.securityContext?.allowPrivilegeEscalation]).toEqual([container.name, false]);
        expect([container.name, container.securityContext?.readOnlyRootFilesystem]).toEqual([container.name, true]);
        expect([container.name, container.resources?.limits?.memory]).toEqual([container.name, expect.any(String)]);
      }
    }
  });

  it('labels each workload as its pods, and selects its own pods', () => {
    for (const workload of workloads(dir).filter((w) => w.kind !== 'Job')) {
      expect(selects(workload.spec.selector, podLabels(workload))).toBe(true);
      expect(podLabels(workload)).toEqual(expect.objectContaining(workload.metadata.labels));
      for (const other of workloads(dir).filter((w) => w !== workload && w.kind !== 'Job')) {
        expect([workload.metadata.name, other.metadata.name, selects(workload.spec.selector, podLabels(other))]).toEqual([
          workload.metadata.name,
          other.metadata.name,
          false,
        ]);
      }
    }
  });

  it('points each Service at pods that have the target port', () => {
    for (const service of objects(dir, 'Service')) {
      const pods = workloads(dir).filter((w) => selects(service.spec.selector, podLabels(w)));
      expect([service.metadata.name, pods.length > 0]).toEqual([service.metadata.name, true]);
      for (const port of service.spec.ports as { name: string; targetPort: string | number }[]) {
        for (const pod of pods) {
          const found = podSpec(pod).containers.some((c) => containerPort(c, port.targetPort) !== undefined);
          expect([service.metadata.name, port.name, pod.metadata.name, found]).toEqual([
            service.metadata.name,
            port.name,
            pod.metadata.name,
            true,
          ]);
        }
      }
    }
  });

  it('exposes METRICS_PORT as the metrics port of every app container, with the scrape annotations', () => {
    expect(appContainers(dir).length).toBeGreaterThan(0);
    for (const { deployment, container } of appContainers(dir)) {
      const port = validateEnvironment(environmentOf(dir, container)).METRICS_PORT;
      expect([deployment.metadata.name, port > 0, containerPort(container, 'metrics')]).toEqual([deployment.metadata.name, true, port]);
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(port),
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it('gives every named probe, NetworkPolicy and volume reference something that exists', () => {
    const names = new Set(objects(dir).map((o) => `${o.kind}/${o.metadata.name}`));
    for (const workload of workloads(dir)) {
      const spec = workload.spec.template.spec as PodSpec & {
        volumes?: Record<string, { claimName?: string; secretName?: string; name?: string }>[];
      };
      for (const volume of spec.volumes ?? []) {
        if (volume.persistentVolumeClaim) expect(names).toContain(`PersistentVolumeClaim/${volume.persistentVolumeClaim.claimName}`);
        if (volume.secret) expect(names).toContain(`Secret/${volume.secret.secretName}`);
        if (volume.configMap) expect(names).toContain(`ConfigMap/${volume.configMap.name}`);
      }
      for (const container of spec.containers) {
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
          const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
          if (port !== undefined)
            expect([container.name, port, containerPort(container, port)]).toEqual([container.name, port, expect.any(Number)]);
        }
      }
    }
    for (const policy of objects(dir, 'NetworkPolicy')) {
      const pods = workloads(dir).filter((w) => selects(policy.spec.podSelector, podLabels(w)));
      expect([policy.metadata.name, pods.length > 0]).toEqual([policy.metadata.name, true]);
      for (const rule of (policy.spec.ingress ?? []) as { ports?: { port: string | number }[] }[]) {
        for (const { port } of rule.ports ?? []) {
          const somewhere = pods.some((pod) => podSpec(pod).containers.some((c) => containerPort(c, port) !== undefined));
          expect([policy.metadata.name, port, somewhere]).toEqual([policy.metadata.name, port, true]);
        }
      }
    }
  });

  it('rolls out without losing capacity, and gives each pod time to finish after SIGTERM', () => {
    for (const deployment of objects(dir, 'Deployment')) {
      expect([deployment.metadata.name, deployment.spec.strategy]).toEqual([
        deployment.metadata.name,
        { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      ]);
    }
    for (const { deployment, container } of appContainers(dir)) {
      const env = validateEnvironment(environmentOf(dir, container));
      const grace = podSpec(deployment).terminationGracePeriodSeconds! * 1000;
      // The process exits at SHUTDOWN_TIMEOUT_MS after SIGTERM at the latest, drain included (src/main.ts).
      expect([deployment.metadata.name, grace >= env.SHUTDOWN_TIMEOUT_MS + 5000]).toEqual([deployment.metadata.name, true]);
      expect(container.lifecycle?.preStop).toBeUndefined(); // the app drains itself; a preStop would eat the grace period
      if (env.MALTED_MODE === 'api') expect(env.SHUTDOWN_DRAIN_MS).toBeGreaterThanOrEqual(5000);
    }
  });
});

describe.each(OVERLAYS)('%s against the app', (dir) => {
  it('has the API and the worker, from one image', () => {
    const modes = appContainers(dir).map(({ container }) => environmentOf(dir, container).MALTED_MODE);
    expect(modes.sort()).toEqual(['api', 'worker']);
    const images = new Set(appContainers(dir).map(({ container }) => container.image));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(new RegExp(`^${APP_IMAGE}[:@]`));
  });

  it('starts the app only with variables it reads and a configuration it accepts in production', () => {
    for (const { deployment, container } of appContainers(dir)) {
      for (const name of variableNames(dir, container)) {
        expect([deployment.metadata.name, name, ENVIRONMENT_VARIABLES.includes(name)]).toEqual([deployment.metadata.name, name, true]);
      }
      const env = environmentOf(dir, container);
      expect(env.NODE_ENV).toBe('production');
      expect(() => validateEnvironment({ ...env, NODE_ENV: 'production' })).not.toThrow();
    }
  });

  it('serves HTTP and /metrics on the ports the app listens on, and probes routes the app has', () => {
    const routes = unprefixedRoutes();
    expect(routes).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    for (const { container } of appContainers(dir)) {
      const env = validateEnvironment(environmentOf(dir, container));
      expect(container.ports!.map((port) => port.containerPort)).toEqual([env.PORT, env.METRICS_PORT]);
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        expect(routes).toContain(probe!.httpGet!.path);
        expect(containerPort(container, probe!.httpGet!.port)).toBe(env.PORT);
      }
      expect(container.livenessProbe!.httpGet!.path).toBe('/health/live');
      expect(container.readinessProbe!.httpGet!.path).toBe('/health/ready');
    }
  });

  it('lets every Ingress carry the largest upload the app accepts, to a Service port that exists', () => {
    const api = appContainers(dir).find(({ container }) => environmentOf(dir, container).MALTED_MODE === 'api')!;
    const uploadMax = validateEnvironment(environmentOf(dir, api.container)).UPLOAD_MAX_BYTES;
    expect(objects(dir, 'Ingress')).toHaveLength(1);
    for (const ingress of objects(dir, 'Ingress')) {
      const annotations = ingress.metadata.annotations ?? {};
      expect(nginxSize(annotations['nginx.ingress.kubernetes.io/proxy-body-size'])).toBeGreaterThanOrEqual(uploadMax);
      expect(annotations['nginx.ingress.kubernetes.io/proxy-request-buffering']).toBe('off');
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(60);
      for (const rule of ingress.spec.rules as {
        http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
      }[]) {
        for (const { backend } of rule.http.paths) {
          const service = find(dir, 'Service', backend.service.name);
          expect(service?.spec.ports.map((p: { name: string }) => p.name)).toContain(backend.service.port.name);
        }
      }
    }
  });
});

describe('k8s/overlays/quickstart', () => {
  const dir = 'k8s/overlays/quickstart';
  const QUICKSTART = repoPath(dir);

  it('keeps every object in its own namespace and runs MongoDB, Redis and nginx beside the app', () => {
    const namespaced = objects(dir).filter((o) => o.kind !== 'Namespace');
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set(['malted']));
    expect(
      objects(dir, 'StatefulSet')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['mongodb', 'redis']);
    expect(find(dir, 'Deployment', 'malted-nginx')).toBeDefined();
    expect(find(dir, 'Job', 'mongodb-init')).toBeDefined();
  });

  it('connects the app to the replica set the init Job initiates, with the passwords MongoDB and Redis start with', () => {
    const api = appContainers(dir).find(({ container }) => environmentOf(dir, container).MALTED_MODE === 'api')!;
    const env = environmentOf(dir, api.container);
    const datastores = secretValues(objects(dir, 'Secret').find((s) => s.metadata.name.startsWith('datastores-'))!);
    const mongo = new URL(env.MONGODB_URI);
    const mongod = podSpec(find(dir, 'StatefulSet', 'mongodb')!).containers[0];
    const replSet = mongod.args![mongod.args!.indexOf('--replSet') + 1];
    expect(mongo.searchParams.get('replicaSet')).toBe(replSet);
    expect(decodeURIComponent(mongo.username)).toBe(datastores.MONGO_INITDB_ROOT_USERNAME);
    expect(decodeURIComponent(mongo.password)).toBe(datastores.MONGO_INITDB_ROOT_PASSWORD);
    const member = mongo.host; // mongodb-0.mongodb:27017: pod 0 of the StatefulSet behind its headless Service
    expect(member).toBe(`mongodb-0.${find(dir, 'StatefulSet', 'mongodb')!.spec.serviceName}:27017`);
    const init = podSpec(find(dir, 'Job', 'mongodb-init')!).containers[0].command!.join(' ');
    expect(init).toContain(`_id: "${replSet}"`);
    expect(init).toContain(`host: "${member}"`);
    expect(find(dir, 'Service', 'mongodb')!.spec.clusterIP).toBe('None');

    const redis = new URL(env.REDIS_URL);
    expect(decodeURIComponent(redis.password)).toBe(datastores.REDIS_PASSWORD);
    expect(`${redis.hostname}:${redis.port}`).toBe(`redis:${find(dir, 'Service', 'redis')!.spec.ports[0].port}`);
  });

  it('serves stored files through nginx from the volume the app writes them to', () => {
    const api = appContainers(dir).find(({ container }) => environmentOf(dir, container).MALTED_MODE === 'api')!;
    const env = validateEnvironment(environmentOf(dir, api.container));
    expect([env.FILE_SERVING, env.STORAGE_DRIVER]).toEqual(['accel', 'local']);
    const nginxDeployment = find(dir, 'Deployment', 'malted-nginx')!;
    const nginx = podSpec(nginxDeployment).containers[0];
    const nginxEnv = environmentOf(dir, nginx);
    expect(nginxEnv.MALTED_STORAGE_LOCAL_DIR).toBe(env.STORAGE_LOCAL_DIR);
    for (const workload of [api.deployment, find(dir, 'Deployment', 'malted-worker')!, nginxDeployment]) {
      const mounts = (workload.spec.template.spec.containers[0].volumeMounts as { name: string; mountPath: string }[]).filter(
        (mount) => mount.mountPath === env.STORAGE_LOCAL_DIR,
      );
      expect([workload.metadata.name, mounts.length]).toEqual([workload.metadata.name, 1]);
    }
    // nginx reaches the API through its Service, and the ingress reaches nginx.
    const [host, port] = nginxEnv.MALTED_APP.split(':');
    expect(find(dir, 'Service', host)!.spec.ports.map((p: { port: number }) => p.port)).toContain(Number(port));

    const template = readFileSync(join(QUICKSTART, 'nginx/malted.conf.template'), 'utf8');
    expect(template).toBe(readFileSync(repoPath('deploy/nginx/malted.conf.template'), 'utf8'));
    for (const [, name] of template.matchAll(/\$\{([A-Z0-9_]+)\}/g)) expect(Object.keys(nginxEnv)).toContain(name);
    expect(template).toContain(`location ${env.FILE_ACCEL_PREFIX}/ {`);
    expect(template).toContain(`listen \${MALTED_NGINX_PORT};`);
    expect(containerPort(nginx, 'http')).toBe(Number(nginxEnv.MALTED_NGINX_PORT));
    const bodySize = /client_max_body_size (\S+);/.exec(template)![1];
    expect(nginxSize(bodySize)).toBeGreaterThanOrEqual(env.UPLOAD_MAX_BYTES);
  });

  it('keeps the replace-me values documented and the two secret files in step', () => {
    const secrets = readFileSync(join(QUICKSTART, 'secrets.env'), 'utf8');
    const datastores = readFileSync(join(QUICKSTART, 'datastores.env'), 'utf8');
    expect(secrets).toMatch(/REPLACE ME/);
    expect(datastores).toMatch(/REPLACE ME/);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const file of ['secrets.env', 'datastores.env', 'mongodb-keyfile']) expect(readme).toContain(`k8s/overlays/quickstart/${file}`);
  });
});

describe('k8s/overlays/production', () => {
  const dir = 'k8s/overlays/production';

  it('holds no secret and expects the external MongoDB, Redis, S3 and mail relay in malted-secrets', () => {
    expect(objects(dir, 'Secret')).toEqual([]);
    const example = exampleSecret();
    expect(Object.keys(example.stringData!).sort()).toEqual([
      'MONGODB_URI',
      'REDIS_URL',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'SMTP_URL',
      'UNSUBSCRIBE_SECRET',
    ]);
    for (const { container } of appContainers(dir)) {
      expect(container.envFrom).toContainEqual({ secretRef: { name: example.metadata.name } });
      expect(validateEnvironment(environmentOf(dir, container)).STORAGE_DRIVER).toBe('s3');
    }
    for (const kind of ['StatefulSet', 'PersistentVolumeClaim']) expect(objects(dir, kind)).toEqual([]);
  });

  it('autoscales the API and the worker, with a disruption budget for each, and leaves them their replica count', () => {
    const deployments = objects(dir, 'Deployment')
      .map((d) => d.metadata.name)
      .sort();
    expect(
      objects(dir, 'HorizontalPodAutoscaler')
        .map((h) => h.spec.scaleTargetRef.name)
        .sort(),
    ).toEqual(deployments);
    for (const hpa of objects(dir, 'HorizontalPodAutoscaler')) {
      const target = find(dir, 'Deployment', hpa.spec.scaleTargetRef.name)!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: target.metadata.name });
      expect(target.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.metrics).toContainEqual({
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } },
      });
      for (const container of podSpec(target).containers) expect(container.resources?.requests?.cpu).toBeDefined();
      const budgets = objects(dir, 'PodDisruptionBudget').filter((pdb) => selects(pdb.spec.selector, podLabels(target)));
      expect(budgets).toHaveLength(1);
      expect(budgets[0].spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
    }
  });

  it('spreads the pods over zones and nodes', () => {
    for (const deployment of objects(dir, 'Deployment')) {
      const spread = podSpec(deployment).topologySpreadConstraints ?? [];
      expect(spread.map((s) => s.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      for (const constraint of spread) expect(selects(constraint.labelSelector, podLabels(deployment))).toBe(true);
    }
  });

  it('lets only the ingress controller reach the API, and nothing else in by default', () => {
    const policies = objects(dir, 'NetworkPolicy');
    expect(policies.find((p) => Object.keys(p.spec.podSelector).length === 0)?.spec.policyTypes).toEqual(['Ingress']);
    const api = find(dir, 'Deployment', 'malted-api')!;
    const toApi = policies.filter((p) => selects(p.spec.podSelector, podLabels(api)) && Object.keys(p.spec.podSelector).length > 0);
    const fromIngress = toApi
      .flatMap((p) => p.spec.ingress)
      .filter((rule: { ports: { port: string }[] }) => rule.ports.some((port) => port.port === 'http'));
    expect(fromIngress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          },
        ],
        ports: [{ port: 'http' }],
      },
    ]);
  });

  it('lets Prometheus (namespace monitoring) reach the metrics port of the app pods, and no other port', () => {
    const fromMonitoring = objects(dir, 'NetworkPolicy')
      .flatMap((policy) => policy.spec.ingress ?? [])
      .filter((rule: { from: unknown[] }) => JSON.stringify(rule.from).includes('"monitoring"'));
    expect(fromMonitoring.flatMap((rule: { ports: unknown[] }) => rule.ports)).toEqual([{ port: 'metrics' }]);
    const [service] = objects(dir, 'Service').filter((s) => s.metadata.name === 'malted-metrics');
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics' }]);
  });

  // A custom resource of the Prometheus Operator: the Go tool cannot decode it into a type, so its shape is
  // checked here (apiVersion, a selector that picks a Service, endpoints on that Service's named ports).
  it('scrapes /metrics of the API and the worker with a ServiceMonitor', () => {
    const [monitor] = objects(dir, 'ServiceMonitor');
    expect(rendered[dir].notInScheme).toEqual(['ServiceMonitor.v1.monitoring.coreos.com malted']);
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(Object.keys(monitor.spec).sort()).toEqual(['endpoints', 'podTargetLabels', 'selector']);
    const services = objects(dir, 'Service').filter((s) => selects(monitor.spec.selector, s.metadata.labels));
    expect(services.map((s) => s.metadata.name)).toEqual(['malted-metrics']);
    const scraped = workloads(dir).filter((w) => selects(services[0].spec.selector, podLabels(w)));
    expect(scraped.map((w) => w.metadata.name).sort()).toEqual(['malted-api', 'malted-worker']);
    for (const endpoint of monitor.spec.endpoints as Record<string, string>[]) {
      expect(
        Object.keys(endpoint).every((key) => ['port', 'path', 'interval', 'scheme', 'bearerTokenSecret', 'authorization'].includes(key)),
      ).toBe(true);
      expect(services[0].spec.ports.map((p: { name: string }) => p.name)).toContain(endpoint.port);
      expect(endpoint.path).toBe('/metrics'); // METRICS: the path of the metrics work (DESIGN.md)
      expect(endpoint.interval).toMatch(/^\d+[smh]$/);
    }
  });
});

/**
 * tools/k8s-manifests itself: a manifest that kustomize renders but the API server would refuse must fail it, so
 * that `npm test` fails. Each case breaks a copy of k8s/ in a temporary folder.
 */
describe('tools/k8s-manifests on broken copies of k8s/', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'malted-k8s-'));
    cpSync(repoPath('k8s'), join(work, 'k8s'), { recursive: true });
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function breakFile(file: string, from: string | RegExp, to: string): void {
    const path = join(work, file);
    const text = readFileSync(path, 'utf8');
    const broken = text.replace(from, to);
    expect(broken).not.toBe(text);
    writeFileSync(path, broken);
  }

  it('passes the manifests as they are', () => {
    const result = runManifestTool(binary, KUSTOMIZATIONS, work);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each([
    [
      'a misspelt field',
      'k8s/base/api-deployment.yaml',
      'failureThreshold: 2',
      'failureTreshold: 2',
      /unknown field "spec\.template\.spec\.containers\[0\]\.readinessProbe\.failureTreshold"/,
    ],
    [
      'a field at the wrong level',
      'k8s/base/worker-deployment.yaml',
      'terminationGracePeriodSeconds: 60',
      'terminationGracePeriodSeconds: 60\n      replicas: 2',
      /unknown field "spec\.template\.spec\.replicas"/,
    ],
    [
      'a wrong type',
      'k8s/base/service.yaml',
      'port: 80,',
      'port: "80",',
      /cannot unmarshal string into Go struct field ServicePort\.spec\.ports\.port of type int32/,
    ],
    [
      'an invalid label value',
      'k8s/base/api-deployment.yaml',
      /component: api \}$/m,
      'component: "api server" }',
      /metadata\.labels: Invalid value: "api server"/,
    ],
    [
      'a port name the API server refuses',
      'k8s/overlays/quickstart/nginx.yaml',
      '{ name: http, containerPort: 8080 }',
      '{ name: http_port, containerPort: 8080 }',
      /ports\[0\]\.name: Invalid value: "http_port"/,
    ],
    [
      'a patch for a container that is not there',
      'k8s/overlays/production/api-patch.yaml',
      '- name: api',
      '- name: api\n        - name: sidecar',
      /spec\.template\.spec\.containers\[1\]\.image: Required value/,
    ],
    [
      'a broken kustomization',
      'k8s/overlays/quickstart/kustomization.yaml',
      '  - redis.yaml\n',
      '  - valkey.yaml\n',
      /kustomize build: .*valkey\.yaml/,
    ],
  ])('fails on %s', (_, file, from, to, message) => {
    breakFile(file, from, to);
    const result = runManifestTool(binary, KUSTOMIZATIONS, work);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]);

  it.each(ENVIRONMENT_VARIABLES)('documents %s in the configuration table', (name) => {
    expect(documented).toContain(name);
  });

  // Rows whose default is one literal (`local`, `3000`), not prose such as "the OS temporary folder".
  const literalDefaults = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| `([^`|]*)` \|/gm)].map((match) => [match[1], match[2]]);
  // Filled in at start-up by src/dev/local-services.ts rather than by the schema.
  const resolvedAtStart = ['REDIS_URL'];

  it.each(literalDefaults.filter(([name]) => !resolvedAtStart.includes(name)))(
    'gives %s the default the configuration has (%s)',
    (name, documentedDefault) => {
      expect(String((validateEnvironment({}) as unknown as Record<string, unknown>)[name])).toBe(documentedDefault);
    },
  );

  it('documents the default storage of `npm start` as local disk under ./data/files', () => {
    expect(Object.fromEntries(literalDefaults)).toMatchObject({ STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: './data/files' });
  });

  it('documents no variable the app does not read', () => {
    expect(ENVIRONMENT_VARIABLES).toEqual(expect.arrayContaining(documented));
  });

  it('shows how to deploy each overlay', () => {
    for (const dir of OVERLAYS) expect(readme).toContain(`kubectl apply -k ${dir}`);
  });
});
