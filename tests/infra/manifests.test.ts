/**
 * Static checks of the Kubernetes manifests under infra/k8s (no cluster needed). Every YAML document
 * must parse, be a kind listed in MODELS and pass its kubernetes-models (or KEDA) JSON-schema
 * validation — which checks types and required fields but not unknown keys, so the properties the
 * deployment relies on are asserted one by one below: probes, GPUs, drain timing, Pod Security,
 * autoscaler targets, the gpu-worker's flags (through its own parseFlags) and the gateway's member
 * list in infra/k8s/gateway-pool.example.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@distillgate/config';
import { type IScaledObject, ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, type IStatefulSet, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { type IContainer, type IPodTemplateSpec, type IService, Namespace, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseFlags } from '../../gpu-worker/server/src/main.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S = join(ROOT, 'infra', 'k8s');
/** gpu-worker/server/src/server.ts: drain() gives up waiting for in-flight requests after this. @unit s */
const WORKER_DRAIN_LIMIT_S = 60;
/** Manifests deliberately left out of every kustomization (documented alternatives). */
const NOT_IN_KUSTOMIZATION = new Set(['infra/k8s/gpu-worker/hpa-prometheus-adapter.yaml']);

/** `apiVersion/kind` → the model that validates it; anything else is an unknown kind. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};
const KUSTOMIZATION = 'kustomize.config.k8s.io/v1beta1/Kustomization';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
}
interface Doc {
  file: string;
  manifest: Manifest;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return ['.yaml', '.yml'].includes(extname(name)) ? [path] : [];
    });
}

const files = yamlFiles(K8S).map((path) => ({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
const docs: Doc[] = files.flatMap(({ file, text }) =>
  parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const manifest = doc.toJS() as Manifest | null;
    return manifest === null ? [] : [{ file, manifest }];
  }),
);
const typeKey = (m: Manifest) => `${m.apiVersion}/${m.kind}`;
const ofKind = <T>(kind: string) => docs.filter((d) => d.manifest.kind === kind).map((d) => d.manifest as unknown as T);

const statefulSets = ofKind<IStatefulSet & Manifest>('StatefulSet');
const services = ofKind<IService & Manifest>('Service');
const scaledObjects = ofKind<IScaledObject & Manifest>('ScaledObject');
/** Every object with a pod template: the long-running servers and the Job. */
const workloads = docs
  .filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.manifest.kind))
  .map((d) => ({ ...d, template: (d.manifest.spec as { template: IPodTemplateSpec }).template }));
const servers = workloads.filter((w) => w.manifest.kind !== 'Job');

/** The value after `flag` in a container's args. */
const argValue = (c: IContainer, flag: string) => {
  const i = c.args?.indexOf(flag) ?? -1;
  return i < 0 ? undefined : c.args?.[i + 1];
};
const containerPort = (c: IContainer) => c.ports?.find((p) => p.name === 'http')?.containerPort;
const preStopSleepS = (c: IContainer) => {
  const command = c.lifecycle?.preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
};
const gpuWorker = statefulSets.find((s) => s.metadata.name === 'gpu-worker')!.spec!.template.spec!.containers[0]!;

describe('infra/k8s manifests', () => {
  it('finds the gpu-worker, vLLM and trainer manifests', () => {
    expect(workloads.map((w) => `${w.manifest.kind}/${w.manifest.metadata.name}`).sort()).toEqual([
      'Job/train-teacher',
      'StatefulSet/gpu-worker',
      'StatefulSet/vllm',
    ]);
  });

  it.each(files)('$file starts with a comment saying what it is for', ({ text }) => {
    expect(text).toMatch(/^# \S/);
  });

  it.each(docs.map((d) => [`${d.file} ${d.manifest.kind}/${d.manifest.metadata?.name}`, d] as const))(
    '%s is a known kind and validates',
    (_, { manifest }) => {
      if (typeKey(manifest) === KUSTOMIZATION) return;
      const Model = MODELS[typeKey(manifest)];
      expect(Model, `unknown kind ${typeKey(manifest)}`).toBeDefined();
      expect(() => new Model!(manifest as never).validate()).not.toThrow();
      expect(manifest.metadata.namespace).toBe(manifest.kind === 'Namespace' ? undefined : 'distillgate');
    },
  );

  it('kustomizations list existing files, and apply every manifest but the documented alternatives', () => {
    const listed = new Set<string>();
    for (const { file, manifest } of docs.filter((d) => typeKey(d.manifest) === KUSTOMIZATION)) {
      for (const resource of (manifest as unknown as { resources: string[] }).resources) {
        const path = join(ROOT, dirname(file), resource);
        expect(() => statSync(path), `${file}: ${resource}`).not.toThrow();
        if (statSync(path).isFile()) listed.add(relative(ROOT, path));
      }
    }
    const manifests = files.map((f) => f.file).filter((f) => !f.endsWith('kustomization.yaml') && !NOT_IN_KUSTOMIZATION.has(f));
    expect(manifests.filter((f) => !listed.has(f))).toEqual([]);
  });

  it.each(servers)('$file: every container has startup, readiness and liveness probes on /health', ({ template }) => {
    for (const c of template.spec!.containers) {
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        expect(probe?.httpGet?.path).toBe('/health');
        expect(probe?.httpGet?.port === 'http' || probe?.httpGet?.port === containerPort(c)).toBe(true);
      }
    }
  });

  it.each(workloads)('$file: requests one nvidia.com/gpu', ({ template }) => {
    const { requests, limits } = template.spec!.containers[0]!.resources!;
    expect(requests?.['nvidia.com/gpu']).toBe(1);
    expect(limits?.['nvidia.com/gpu']).toBe(1); // extended resources: requests must equal limits
  });

  it.each(workloads)('$file: pods meet the restricted Pod Security Standard', ({ template }) => {
    const pod = template.spec!;
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
    }
  });

  it.each(servers)('$file: preStop sleeps, then the grace period leaves time to drain', ({ template }) => {
    const c = template.spec!.containers[0]!;
    const drainS = c === gpuWorker ? WORKER_DRAIN_LIMIT_S : 0;
    expect(preStopSleepS(c)).toBeGreaterThan(0);
    expect(template.spec!.terminationGracePeriodSeconds).toBeGreaterThan(preStopSleepS(c) + drainS);
  });

  it('the gpu-worker runs with flags its parseFlags accepts, on its container port', () => {
    const options = parseFlags(gpuWorker.args!);
    expect(options).toMatchObject({ host: '0.0.0.0', port: containerPort(gpuWorker), executionProvider: 'cuda' });
    expect(options.intraOpNumThreads).toBeLessThanOrEqual(Number(gpuWorker.resources!.limits!.cpu));
    expect(gpuWorker.env).toContainEqual({ name: 'ORT_DISABLE_TELEMETRY', value: '1' });
    const dockerfile = readFileSync(join(ROOT, 'infra/docker/gpu-worker.Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(parseFlags(cmd)).toMatchObject({ host: '0.0.0.0', port: 8000 });
  });

  it('vLLM members answer the teacher-scoring contract (DESIGN.md §5)', () => {
    const vllm = statefulSets.find((s) => s.metadata.name === 'vllm')!.spec!.template.spec!.containers[0]!;
    expect(argValue(vllm, '--max-logprobs')).toBe('20');
    expect(argValue(vllm, '--logprobs-mode')).toBe('raw_logprobs');
  });

  it.each(statefulSets)('$metadata.name: has a headless Service for its members, a ClusterIP Service and a PDB', (sts) => {
    const labels = sts.spec!.template.metadata!.labels!;
    const selects = (selector: Record<string, string> | undefined) =>
      selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
    const port = containerPort(sts.spec!.template.spec!.containers[0]!);
    const headless = services.find((s) => s.metadata.name === sts.spec!.serviceName);
    expect(headless?.spec?.clusterIP).toBe('None');
    expect(selects(headless?.spec?.selector)).toBe(true);
    expect(headless?.spec?.ports?.[0]?.port).toBe(port);
    expect(services.some((s) => s.spec?.clusterIP === undefined && selects(s.spec?.selector))).toBe(true);
    const pdbs = ofKind<IPodDisruptionBudget & Manifest>('PodDisruptionBudget');
    expect(pdbs.some((p) => selects(p.spec?.selector?.matchLabels))).toBe(true);
  });

  const autoscalers = [
    ...scaledObjects.map((s) => ({ name: `ScaledObject/${s.metadata.name}`, target: s.spec.scaleTargetRef })),
    ...ofKind<IHorizontalPodAutoscaler & Manifest>('HorizontalPodAutoscaler').map((h) => ({
      name: `HorizontalPodAutoscaler/${h.metadata.name}`,
      target: h.spec!.scaleTargetRef,
    })),
  ];
  it.each(autoscalers)('$name targets an existing workload by kind and name', ({ target }) => {
    expect(servers.map((w) => `${w.manifest.kind}/${w.manifest.metadata.name}`)).toContain(`${target.kind}/${target.name}`);
  });

  it.each(scaledObjects)('ScaledObject $metadata.name: queries its members load with the per-member target', (so) => {
    const sts = statefulSets.find((s) => s.metadata.name === so.spec.scaleTargetRef.name)!;
    const c = sts.spec!.template.spec!.containers[0]!;
    const served = argValue(c, '--served-model-name') ?? argValue(c, '--model');
    const [trigger] = so.spec.triggers;
    expect(trigger?.type).toBe('prometheus');
    expect(trigger?.metadata.query).toContain(`vllm:num_requests_waiting{namespace="${sts.metadata.namespace}",model_name="${served}"}`);
    expect(trigger?.metadata.threshold).toBe(argValue(c, '--max-concurrent') ?? argValue(c, '--max-num-seqs'));
  });

  it('the trainer Job runs train.py under torchrun with one process per GPU requested, NCCL shared memory mounted', () => {
    const job = workloads.find((w) => w.manifest.kind === 'Job' && w.manifest.metadata.name === 'train-teacher')!;
    const pod = job.template.spec!;
    const c = pod.containers[0]!;
    const gpus = c.resources?.limits?.['nvidia.com/gpu'];
    expect(Number(gpus)).toBeGreaterThanOrEqual(1);
    expect(c.resources?.requests?.['nvidia.com/gpu']).toEqual(gpus);
    // the downward API cannot expose extended resources: NPROC_PER_NODE repeats the request
    expect(c.env?.find((e) => e.name === 'NPROC_PER_NODE')?.value).toBe(String(gpus));
    const script = c.args?.join('\n') ?? '';
    expect(script).toMatch(/torchrun --standalone --nproc_per_node="\$NPROC_PER_NODE" train\.py --preset teacher --resume --device cuda &/);
    expect(script).not.toMatch(/python3 train\.py/);
    expect(script).toContain('kill -TERM "$train"'); // SIGTERM reaches torchrun, which passes it to every rank
    const shm = c.volumeMounts?.find((m) => m.mountPath === '/dev/shm');
    expect(pod.volumes?.find((v) => v.name === shm?.name)?.emptyDir?.medium).toBe('Memory');
  });

  it('gateway-pool.example.json is a valid gateway config listing each member up to maxReplicaCount', () => {
    const config = parseConfig(JSON.parse(readFileSync(join(K8S, 'gateway-pool.example.json'), 'utf8')), {}, 'gateway-pool.example.json');
    for (const so of scaledObjects) {
      const sts = statefulSets.find((s) => s.metadata.name === so.spec.scaleTargetRef.name)!;
      const port = containerPort(sts.spec!.template.spec!.containers[0]!);
      const expected = Array.from(
        { length: so.spec.maxReplicaCount! },
        (_, i) => `http://${sts.metadata.name}-${i}.${sts.spec!.serviceName}.${sts.metadata.namespace}.svc.cluster.local:${port}/v1`,
      );
      const members = config.upstreams.filter((u) => u.name.startsWith(`${sts.metadata.name}-`));
      expect(members.map((u) => u.baseUrl)).toEqual(expected);
      for (const m of members) expect(m.health).toMatchObject({ path: '/health', metricsPath: '/metrics' });
      const pool = Object.values(config.models).find(
        (a) => a.policy === 'pool' && a.targets.some((t) => 'upstream' in t && t.upstream === members[0]!.name),
      );
      expect(pool?.targets.map((t) => ('upstream' in t ? t.upstream : null))).toEqual(members.map((m) => m.name));
    }
  });
});
