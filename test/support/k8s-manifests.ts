import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildGoTool, REPO_ROOT } from '../../src/dev/go-tool';

/** The kustomizations `kubectl apply -k` is documented for, and the base they share. */
export const KUSTOMIZATIONS = ['k8s/base', 'k8s/overlays/quickstart', 'k8s/overlays/production'] as const;
export type Kustomization = (typeof KUSTOMIZATIONS)[number];

/* The parts of Kubernetes objects the cross-checks read (the Go tool has already decoded them strictly). */
export interface Labels {
  [key: string]: string;
}
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  topologySpreadConstraints?: { topologyKey: string; labelSelector: LabelSelector }[];
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  automountServiceAccountToken?: boolean;
}

export interface Rendered {
  objects: K8sObject[];
  /** Objects whose kind the client-go scheme does not know (custom resources), as "GVK name". */
  notInScheme: string[];
}

export interface RenderResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Builds tools/k8s-manifests (cached in .cache/ like the test servers); the first build takes minutes. */
export function manifestTool(): string {
  return buildGoTool('k8s-manifests');
}

/** Runs the tool over kustomization folders relative to the repository root. */
export function runManifestTool(binary: string, dirs: readonly string[], cwd = REPO_ROOT): RenderResult {
  const result = spawnSync(binary, [...dirs], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Renders and strictly decodes every kustomization; throws with the tool's findings if any fails. */
export function renderKustomizations(binary: string): Record<Kustomization, Rendered> {
  const result = runManifestTool(binary, KUSTOMIZATIONS);
  if (result.status !== 0) throw new Error(`k8s-manifests failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Record<Kustomization, Rendered>;
}

export const repoPath = (...parts: string[]) => join(REPO_ROOT, ...parts);

export function selects(selector: LabelSelector | Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  const asSelector: LabelSelector =
    'matchLabels' in selector || 'matchExpressions' in selector ? (selector as LabelSelector) : { matchLabels: selector as Labels };
  const have = labels ?? {};
  const matchLabels = Object.entries(asSelector.matchLabels ?? {}).every(([key, value]) => have[key] === value);
  const matchExpressions = (asSelector.matchExpressions ?? []).every((expression) => {
    const value = have[expression.key];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && (expression.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(expression.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
    }
  });
  return matchLabels && matchExpressions;
}

/** Sizes as nginx and ingress-nginx write them: 31m, 512k, 1g or plain bytes. */
export function nginxSize(text: string): number {
  const match = /^(\d+)([kKmMgG]?)$/.exec(text.trim());
  if (!match) throw new Error(`not an nginx size: ${text}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}
