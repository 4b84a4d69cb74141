import { timerYield } from '../../core/clock.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import { listenError } from '../../core/config/listen-error.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { wasmImageCodecs } from '../../core/pipeline/wasm-codecs.ts';
import { createService } from '../../core/service/create-service.ts';
import { chooseBackend } from './backend.ts';
import { readDenoConfig, type DenoConfig } from './config.ts';
import { folderSource } from './folder-source.ts';
import { namedSteps } from '../../steps/index.ts';
import { traceExportFrom } from '../../runtime/otel/trace-setup.ts';
import type { CaptureSink } from '../../core/capture/capture.ts';

/**
 * The Deno entry (`deno run --allow-net --allow-read --allow-env functions/deno/main.ts`, or Deno
 * Deploy with this file as the entrypoint): TF Serving's REST API over a model repository in a
 * folder or S3, on WebGPU when the machine has a GPU adapter (Mesa's software Vulkan counts), else
 * on WASM. A composition root: environment -> settings, repository -> sources, backend choice,
 * all handed to core/service/create-service.ts; the chosen backend shows in every response
 * (x-backend) and in the metrics (edgeserve_backend_info). The root is listed at start; models
 * load on their first request. Errors at start are one line, as on the Node server (exit code 2).
 */
async function repository(config: DenoConfig): Promise<{ root: ModelSource; sourceFor: (name: string) => ModelSource; captures: CaptureSink }> {
  const repo = config.repository;
  if (repo.kind === 'folder') {
    return { root: folderSource(repo.path, { foldersOnly: true }), sourceFor: (name) => folderSource(`${repo.path}/${name}`), captures: folderCaptures };
  }
  const { s3Repository } = await import('./s3.ts'); // the AWS SDK loads only for s3:// repositories
  return s3Repository(repo.location);
}

async function main(): Promise<void> {
  const config = readDenoConfig(Deno.env.toObject());
  if (config.backend !== 'wasm') quietWayland();
  const { backend, adapter } = await chooseBackend(config.backend);
  const { root, sourceFor, captures } = await repository(config);
  const service = createService(config.settings, {
    models: { root, sourceFor },
    backend,
    // A WASM run blocks the event loop: let requests that arrive meanwhile join the next batch.
    yieldBeforeRun: backend.name === 'wasm' ? timerYield(1) : undefined,
    // MozJPEG's decoder for pipelines that take images, read from the npm package on first use.
    imageCodecs: wasmImageCodecs({ jpeg: packagedWasm('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'), webp: packagedWasm('@jsquash/webp/codec/dec/webp_dec.wasm') }),
    namedSteps,
    // OTLP traces when OpenTelemetry's variables ask for them (runtime/otel).
    traces: await traceExportFrom(Deno.env.toObject()),
    // model.json "capture": requests written to the model's folder or prefix, a second after the first is held.
    capture: { sink: captures, flushAfterMs: 1000 },
    log: (message) => console.log(message),
  });
  // The root is listed once now, so that a mistyped MODEL_BASE_PATH is said at start (and fails
  // readiness); its models still load on their first request. A listing that fails is logged and retried then.
  await service.refresh().catch(() => {});
  try {
    Deno.serve(
      {
        port: config.port,
        hostname: config.hostname,
        onListen: ({ hostname, port }) =>
          console.log(`edgeserve: serving ${root.location} with ${backend.name}${adapter ? ` on ${adapter}` : ''}; REST API at http://${hostname}:${port}`),
      },
      (request) => service.fetch(request),
    );
  } catch (err) {
    service.close();
    throw listenError(err, 'PORT', config.hostname, config.port);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `edgeserve: ${err.message}` : err);
  Deno.exit(2);
});

/**
 * Mesa's Vulkan drivers ask libwayland about presentation while listing GPUs, and libwayland
 * prints "error: XDG_RUNTIME_DIR is invalid or not set in the environment." per device when that
 * variable is unset (servers, containers, CI). It looks fatal and is not. A server presents
 * nothing, so any absolute folder quiets it (libwayland then finds no socket there and says
 * nothing); a real XDG_RUNTIME_DIR is left as it is.
 */
function quietWayland(): void {
  if (Deno.build.os !== 'linux' || Deno.env.get('XDG_RUNTIME_DIR')) return;
  try {
    Deno.env.set('XDG_RUNTIME_DIR', Deno.env.get('TMPDIR') || '/tmp');
  } catch {
    // Without env permission (or where the platform forbids setting it) the lines may appear.
  }
}

/** A .wasm file of an npm package, compiled on first use. */
function packagedWasm(specifier: string): () => Promise<WebAssembly.Module> {
  return () => WebAssembly.compile(Deno.readFileSync(new URL(import.meta.resolve(specifier))));
}

/** Captured requests in a model's folder: written beside, then renamed into place (never half a file). */
const folderCaptures: CaptureSink = {
  async write(location, key, text) {
    const file = `${location}/${key}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf('/')), { recursive: true });
    await Deno.writeTextFile(`${file}.partial`, text);
    await Deno.rename(`${file}.partial`, file);
  },
};
