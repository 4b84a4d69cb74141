import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { LABELS_FILE, MANIFEST_FILE, MODEL_FILE, WARMUP_FILE, type Manifest } from '../core/repository/version-files.ts';
import { parseVersionDir } from '../core/version/policy.ts';
import { UsageError, parseArgs } from './args.ts';
import { onnxProblem } from './onnx-check.ts';
import { progressBar } from './progress.ts';
import { MAX_SINGLE_UPLOAD_BYTES, openRepository, type UploadFile } from './repository.ts';
import { prepareWarmup } from './warmup-file.ts';
import { PUSH_USAGE } from './usage.ts';


/**
 * `edgeserve push`: checks the model is an ONNX ModelProto (onnx-check.ts) and hashes every file
 * first (nothing is uploaded if the model is not one or a file is unreadable), picks
 * the version, refuses to overwrite a complete one (versions are immutable; an incomplete one on
 * an object store, left by an interrupted push, is overwritten), uploads, then writes the manifest.
 * Two pushes racing without --version may pick the same number: pass --version in CI.
 * `progress`: where transfer progress goes (progress.ts); default stderr.
 */
export async function push(
  argv: string[],
  env: Record<string, string | undefined>,
  log = (m: string) => console.log(m),
  progress: NodeJS.WriteStream = process.stderr,
): Promise<void> {
  const args = parseArgs(argv, { options: ['model', 'version', 'to', 's3_endpoint', 'warmup'], flags: ['golden'] });
  const [modelFile, ...extraFiles] = args.positional;
  const name = args.options.get('model');
  if (!modelFile || !name) throw new UsageError(`push needs a model file and --model\n${PUSH_USAGE}`);
  const repo = openRepository(args.options.get('to'), env, args.options.get('s3_endpoint'));
  const source = repo.model(name); // validates the name

  const files = await statFiles([{ path: MODEL_FILE, file: modelFile }, ...extraFiles.map((file) => ({ path: basename(file), file }))]);
  const problem = await onnxProblem(modelFile);
  if (problem) throw new UsageError(`${modelFile} is not an ONNX model: ${problem}. The first file is the model; ${LABELS_FILE} and external data files come after it`);
  // --golden writes the warmup file with its outputs to a temporary folder: removed however the push ends.
  const temporary: string[] = [];
  try {
    const warmupFile = args.options.get('warmup');
    if (args.flags.has('golden') && warmupFile === undefined) throw new UsageError('--golden needs --warmup FILE');
    if (warmupFile !== undefined) {
      if (files.some((f) => f.path === WARMUP_FILE)) throw new UsageError(`pass ${WARMUP_FILE} either as a file or with --warmup, not both`);
      const prepared = await prepareWarmup(modelFile, warmupFile, args.flags.has('golden'));
      if (prepared !== warmupFile) temporary.push(dirname(prepared));
      files.push(...(await statFiles([{ path: WARMUP_FILE, file: prepared }])));
    }
    const hashed = await Promise.all(files.map(async (f) => ({ ...f, sha256: await sha256File(f.file) })));

    const versions = new Map<number, string>();
    for (const entry of await source.list()) {
      const v = parseVersionDir(entry);
      if (v !== null) versions.set(v, entry);
    }
    const requested = args.options.get('version');
    const version = requested === undefined ? Math.max(0, ...versions.keys()) + 1 : parseVersionDir(requested);
    if (version === null) throw new UsageError(`--version ${requested}: expected a positive integer`);
    const existing = versions.get(version);
    if (existing !== undefined) {
      const complete = !source.requiresManifest || (await source.read(`${existing}/${MANIFEST_FILE}`)) !== null;
      if (complete) throw new UsageError(`version ${version} of ${name} already exists in ${repo.url}; versions are immutable: push a new version`);
      log(`version ${version} of ${name} has no manifest (an interrupted push?): uploading it again`);
    }

    const manifest: Manifest & { created: string } = {
      files: hashed.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
      created: new Date().toISOString(),
    };
    const bars = new Map<UploadFile, ReturnType<typeof progressBar>>();
    await repo.writeVersion(name, version, files, new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'), (f) => {
      const bar = progressBar(`${name}/${version}/${f.path}`, f.size, progress);
      bars.set(f, bar);
      return (n) => bar.add(n);
    });
    for (const bar of bars.values()) bar.done();
    const total = files.reduce((sum, f) => sum + f.size, 0);
    log(`pushed ${name} version ${version} (${files.length} file${files.length > 1 ? 's' : ''}, ${total} bytes, model.onnx sha256 ${hashed[0].sha256}) to ${repo.url}`);
  } finally {
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  }
}

async function statFiles(files: { path: string; file: string }[]): Promise<UploadFile[]> {
  const seen = new Set<string>();
  return Promise.all(
    files.map(async ({ path, file }) => {
      if (path === MANIFEST_FILE || seen.has(path)) throw new UsageError(`${file}: a version cannot hold two files named ${path} (or its own ${MANIFEST_FILE})`);
      seen.add(path);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) throw new UsageError(`${file}: no such file`);
      if (info.size > MAX_SINGLE_UPLOAD_BYTES) throw new UsageError(`${file}: ${info.size} bytes is more than one upload takes (5 GiB)`);
      return { path, file, size: info.size };
    }),
  );
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
