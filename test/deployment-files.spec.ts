import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { ENVIRONMENT_VARIABLES, validateEnvironment } from '../src/config/environment';

const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'k8s');

interface Container {
  env: { name: string; value: string }[];
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  securityContext: { allowPrivilegeEscalation: boolean };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec: { template: { spec: { containers: Container[] } } };
}
const manifests = readdirSync(K8S)
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .map((file) => load(readFileSync(join(K8S, file), 'utf8')) as Manifest);
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);

describe('k8s manifests', () => {
  const config = byKind('ConfigMap')[0].data!;
  const secret = byKind('Secret')[0].stringData!;

  it.each(byKind('Deployment').map((d) => [d.metadata.name, d]))('%s starts with a configuration the app accepts', (_, deployment) => {
    const container = (deployment as Manifest).spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    for (const name of [...Object.keys(env), ...Object.keys(config), ...Object.keys(secret)]) {
      expect(ENVIRONMENT_VARIABLES).toContain(name);
    }
    expect(() => validateEnvironment({ ...config, ...secret, ...env })).not.toThrow();
  });

  it.each(byKind('Deployment').map((d) => [d.metadata.name, d]))('%s probes the health endpoints', (_, deployment) => {
    const container = (deployment as Manifest).spec.template.spec.containers[0];
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  });
});

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]);

  it.each(ENVIRONMENT_VARIABLES)('documents %s in the configuration table', (name) => {
    expect(documented).toContain(name);
  });

  it('documents no variable the app does not read', () => {
    expect(ENVIRONMENT_VARIABLES).toEqual(expect.arrayContaining(documented));
  });
});
