import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUSTOMIZATIONS, manifestTool, repoPath, runManifestTool } from './support/k8s-manifests';

/**
 * tools/k8s-manifests itself: a manifest that kustomize renders but the API server would refuse must fail it,
 * so that `npm test` fails. Each case breaks a copy of k8s/ in a temporary folder.
 */
let binary: string;
let work: string;
beforeAll(() => {
  binary = manifestTool();
}, 20 * 60_000);
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
  ['a misspelt field', 'k8s/base/api-deployment.yaml', 'failureThreshold: 2', 'failureTreshold: 2', /unknown field "spec\.template\.spec\.containers\[0\]\.readinessProbe\.failureTreshold"/],
  ['a field at the wrong level', 'k8s/base/worker-deployment.yaml', 'terminationGracePeriodSeconds: 60', 'terminationGracePeriodSeconds: 60\n      replicas: 2', /unknown field "spec\.template\.spec\.replicas"/],
  ['a wrong type', 'k8s/base/service.yaml', 'port: 80,', 'port: "80",', /cannot unmarshal string into Go struct field ServicePort\.spec\.ports\.port of type int32/],
  ['an invalid label value', 'k8s/base/api-deployment.yaml', /component: api \}$/m, 'component: "api server" }', /metadata\.labels: Invalid value: "api server"/],
  ['a port name the API server refuses', 'k8s/overlays/quickstart/nginx.yaml', '{ name: http, containerPort: 8080 }', '{ name: http_port, containerPort: 8080 }', /ports\[0\]\.name: Invalid value: "http_port"/],
  ['a patch for a container that is not there', 'k8s/overlays/production/api-patch.yaml', '- name: api', '- name: api\n        - name: sidecar', /spec\.template\.spec\.containers\[1\]\.image: Required value/],
  ['a broken kustomization', 'k8s/overlays/quickstart/kustomization.yaml', '  - redis.yaml\n', '  - valkey.yaml\n', /kustomize build: .*valkey\.yaml/],
])('fails on %s', (_, file, from, to, message) => {
  breakFile(file, from, to);
  const result = runManifestTool(binary, KUSTOMIZATIONS, work);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(message);
});
