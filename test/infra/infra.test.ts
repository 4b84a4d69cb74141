import { build } from 'esbuild';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// No Docker engine or cluster runs here, so infra/ is checked statically: every manifest parses
// and has what the container target needs, the Dockerfiles have the required instructions, and the
// Dockerfiles' build step (the container bundle) really builds.
const ROOT = new URL('../../', import.meta.url).pathname;
const INFRA = join(ROOT, 'infra');

function yamlDocs(path: string): any[] {
  const docs = parseAllDocuments(readFileSync(join(INFRA, path), 'utf8'));
  for (const d of docs) expect(d.errors, `${path}: ${d.errors.join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS());
}

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions: comments dropped, `\` continuations joined, ops upper-cased. */
function dockerfile(name: string): Instruction[] {
  const text = readFileSync(join(INFRA, name), 'utf8').replace(/\\\r?\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of the last stage (the image that runs). */
function finalStage(ins: Instruction[]): Instruction[] {
  const last = ins.map((i) => i.op).lastIndexOf('FROM');
  return ins.slice(last);
}

describe('Kubernetes manifests', () => {
  const [deployment] = yamlDocs('k8s/deployment.yaml');
  const [service] = yamlDocs('k8s/service.yaml');
  const [hpa] = yamlDocs('k8s/hpa.yaml');

  it('Deployment: GPU limit, ports 8500/8501, readiness on model availability, non-root', () => {
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'edgeserve' } });
    const spec = deployment.spec;
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    const [c] = spec.template.spec.containers;
    expect(c.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['grpc', 8500],
      ['http', 8501],
    ]);
    const model = c.env.find((e: any) => e.name === 'MODEL_NAME').value;
    expect(c.readinessProbe.httpGet).toEqual({ path: `/v1/models/${model}/metadata`, port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.args).toContain('--device=gpu');
    expect(spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.template.spec.securityContext.runAsUser).toBeGreaterThan(0);
  });

  it('Service: exposes gRPC 8500 and REST 8501 of the Deployment', () => {
    expect(service).toMatchObject({ apiVersion: 'v1', kind: 'Service' });
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([
      [8500, 'grpc'],
      [8501, 'http'],
    ]);
  });

  it('HorizontalPodAutoscaler: scales the Deployment', () => {
    expect(hpa).toMatchObject({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' });
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    expect(hpa.spec.metrics.length).toBeGreaterThan(0);
  });

  it('kustomization lists every manifest', () => {
    const [k] = yamlDocs('k8s/kustomization.yaml');
    const manifests = readdirSync(join(INFRA, 'k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...k.resources].sort()).toEqual(manifests.sort());
  });
});

describe('KServe', () => {
  it('ServingRuntime: ONNX, TF Serving and Open Inference protocols (v1, v2, grpc-v1, grpc-v2), the model KServe mounts', () => {
    const [rt] = yamlDocs('kserve/serving-runtime.yaml');
    expect(rt).toMatchObject({ apiVersion: 'serving.kserve.io/v1alpha1', kind: 'ServingRuntime' });
    expect(rt.spec.supportedModelFormats).toContainEqual(expect.objectContaining({ name: 'onnx', autoSelect: true }));
    expect(rt.spec.protocolVersions).toEqual(['v1', 'v2', 'grpc-v1', 'grpc-v2']);
    const [c] = rt.spec.containers;
    expect(c.name).toBe('kserve-container');
    expect(c.args).toEqual(expect.arrayContaining(['--model_name={{.Name}}', '--model_base_path=/mnt/models', '--rest_api_port=8080']));
    expect(c.ports[0].containerPort).toBe(8080);
    const [isvc] = yamlDocs('kserve/inference-service.example.yaml');
    expect(isvc.spec.predictor.model.runtime).toBe(rt.metadata.name);
  });
});

describe('Dockerfiles', () => {
  for (const name of ['Dockerfile.cpu', 'Dockerfile.gpu']) {
    describe(name, () => {
      const ins = dockerfile(name);
      const runtime = finalStage(ins);

      it('is multi-stage, on Node 22', () => {
        const stages = ins.filter((i) => i.op === 'FROM');
        expect(stages.length).toBeGreaterThanOrEqual(2);
        for (const s of stages) expect(s.args).toMatch(/ AS [a-z]+$/i);
        const args = ins.filter((i) => i.op === 'ARG').map((i) => i.args);
        expect(args).toContain('NODE_IMAGE=node:22-bookworm-slim');
      });

      it('runs as a non-root numeric user, with a health check and ports 8500/8501', () => {
        const user = runtime.filter((i) => i.op === 'USER').at(-1)?.args ?? '';
        expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
        const health = runtime.find((i) => i.op === 'HEALTHCHECK');
        expect(health?.args).toMatch(/CMD .*8501\/readyz/);
        const ports = runtime.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
        expect(ports).toEqual(expect.arrayContaining(['8500', '8501']));
        const entry = JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')!.args);
        // The Node server, bound to every interface (test/e2e/container.test.ts runs it with these flags).
        expect(entry).toEqual(['node', 'dist/node/main.mjs', '--rest_api_host=0.0.0.0', '--rest_api_port=8501', '--port=8500']);
      });

      it('builds the bundle it runs and copies only files the context has', () => {
        expect(ins.some((i) => i.op === 'RUN' && i.args.includes('npm run build'))).toBe(true);
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
        // dist/node/main.mjs and its chunks (test/e2e/container-bundle.test.ts builds and runs them).
        expect(pkg.scripts.build).toBe('node functions/node/build.mjs');
        const admitted = dockerignore(readFileSync(join(INFRA, `${name}.dockerignore`), 'utf8'));
        for (const copy of ins.filter((i) => i.op === 'COPY' && !i.args.includes('--from='))) {
          const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
          for (const s of sources) {
            expect(existsSync(join(ROOT, s)), `${name}: COPY ${s}`).toBe(true);
            // BuildKit sends only what the dockerignore admits: a COPY of anything else fails the build.
            const probe = statSync(join(ROOT, s)).isDirectory() ? `${s}/any.ts` : s;
            expect(admitted(probe), `${name}.dockerignore admits ${s}`).toBe(true);
          }
        }
        // A `# syntax=` directive makes BuildKit pull a frontend image first: none, so offline builds work.
        expect(readFileSync(join(INFRA, name), 'utf8')).not.toMatch(/^#\s*syntax=/m);
      });
    });
  }

  it('GPU: NVIDIA CUDA 12 runtime base, onnxruntime-node CUDA libraries installed at build', () => {
    const ins = dockerfile('Dockerfile.gpu');
    const cuda = ins.find((i) => i.op === 'ARG' && i.args.startsWith('CUDA_IMAGE='))!.args;
    expect(cuda).toMatch(/^CUDA_IMAGE=nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/);
    expect(finalStage(ins)[0].args).toMatch(/^\$\{CUDA_IMAGE\} AS runtime$/);
    expect(ins.some((i) => i.op === 'ENV' && i.args === 'ONNXRUNTIME_NODE_INSTALL=cuda12')).toBe(true);
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('libonnxruntime_providers_cuda.so'))).toBe(true);
    expect(JSON.parse(finalStage(ins).find((i) => i.op === 'CMD')!.args)).toEqual(['--device=gpu']);
  });

  it("the images' build step bundles the Node server's entry", async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'functions/node/main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0].text).toContain('tensorflow.serving.PredictionService');
  });
});

/** Whether a .dockerignore lets a context path through: its patterns in order, the last that matches decides. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const glob = include ? line.slice(1) : line;
      const source = glob.split('**').map((part) => part.split('*').map((t) => t.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*');
      return { include, pattern: new RegExp(`^${source}$`) };
    });
  return (path) => rules.reduce((admitted, rule) => (rule.pattern.test(path) ? rule.include : admitted), true);
}
