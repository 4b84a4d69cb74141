import type { VersionPolicy } from '../core/config/model-config.ts';
import { MODEL_JSON_FILE, parseModelJson } from '../core/repository/model-json.ts';
import type { ModelSource } from '../core/repository/source.ts';
import { MANIFEST_FILE, parseManifest, readVersion } from '../core/repository/version-files.ts';
import { nodeSha256 } from '../runtime/node/sha256.ts';
import { parseVersionDir } from '../core/version/policy.ts';
import { parseArgs } from './args.ts';
import { openRepository } from './repository.ts';


interface Row {
  model: string;
  version: string;
  state: string;
  bytes: string;
  labels: string;
}

/** `edgeserve ls`: reads listings, manifests and model.json; downloads model files only with --verify. */
export async function ls(argv: string[], env: Record<string, string | undefined>, log = (m: string) => console.log(m)): Promise<void> {
  const args = parseArgs(argv, { options: ['to', 's3_endpoint'], flags: ['verify'] });
  const verify = args.flags.has('verify');
  const repo = openRepository(args.options.get('to'), env, args.options.get('s3_endpoint'));
  const names = args.positional.length > 0 ? args.positional : (await repo.root().list()).sort();
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const name of names) {
    const found = await describeModel(name, repo.model(name), notes, verify);
    if (found.length === 0 && args.positional.length === 0) continue; // not a model folder
    if (found.length === 0) notes.push(`${name}: no versions in ${repo.url}`);
    rows.push(...found);
  }
  if (rows.length > 0) log(table(rows));
  else if (notes.length === 0) log(`no models in ${repo.url}`);
  for (const note of notes) log(note);
}

async function describeModel(name: string, source: ModelSource, notes: string[], verify: boolean): Promise<Row[]> {
  const entries = await source.list();
  const versions = entries
    .map((dir) => ({ dir, version: parseVersionDir(dir) }))
    .filter((e): e is { dir: string; version: number } => e.version !== null)
    .sort((a, b) => b.version - a.version);
  const labelsOf = new Map<number, string[]>();
  if (entries.includes(MODEL_JSON_FILE)) {
    const where = `${source.location}/${MODEL_JSON_FILE}`;
    try {
      const settings = parseModelJson((await source.read(MODEL_JSON_FILE)) ?? '{}', where, { numBatchThreads: 1 });
      for (const [label, v] of Object.entries(settings.labels ?? {})) labelsOf.set(v, [...(labelsOf.get(v) ?? []), label]);
      if (settings.versionPolicy) notes.push(`${name}: version policy ${formatPolicy(settings.versionPolicy)}`);
      if (settings.traffic) notes.push(`${name}: traffic ${formatTraffic(settings.traffic, settings.labels ?? {})}`);
      if (settings.rollback) notes.push(`${name}: rollback above ${Math.round(settings.rollback.maxErrorRate * 1e4) / 100}% errors after ${settings.rollback.minRequests} requests (per instance)`);
      for (const v of labelsOf.keys()) if (!versions.some((e) => e.version === v)) notes.push(`${name}: label(s) ${labelsOf.get(v)!.join(', ')} -> version ${v}, which is not there`);
    } catch (err) {
      notes.push(`${name}: ${(err as Error).message}`);
    }
  }
  const rows: Row[] = [];
  for (const { dir, version } of versions) {
    const manifest = await source.read(`${dir}/${MANIFEST_FILE}`);
    let state = source.requiresManifest ? 'incomplete' : 'no manifest';
    let bytes = '-';
    if (manifest) {
      try {
        const files = parseManifest(manifest, dir).files;
        state = 'unverified';
        bytes = formatBytes(files.reduce((sum, f) => sum + f.size, 0));
      } catch {
        state = 'bad manifest';
      }
    }
    if (verify && state === 'unverified') state = await verifyVersion(name, source, dir, notes);
    rows.push({ model: name, version: String(version), state, bytes, labels: (labelsOf.get(version) ?? []).join(',') });
  }
  return rows;
}

/** Reads the version as a server would (sizes and sha256 against the manifest). */
async function verifyVersion(name: string, source: ModelSource, dir: string, notes: string[]): Promise<string> {
  try {
    await readVersion(source, dir, { sha256: nodeSha256 });
    return 'verified';
  } catch (err) {
    notes.push(`${name} version ${parseVersionDir(dir)}: ${(err as Error).message}`);
    return 'corrupt';
  }
}

/** "stable=90% (v1) canary=10% (v2)": each label's share of unpinned requests and its version. */
function formatTraffic(traffic: Record<string, number>, labels: Record<string, number>): string {
  const total = Object.values(traffic).reduce((a, b) => a + b, 0);
  return Object.entries(traffic)
    .map(([label, w]) => `${label}=${Math.round((w / total) * 1000) / 10}% (v${labels[label]})`)
    .join(' ');
}

function formatPolicy(policy: VersionPolicy): string {
  if (policy.kind === 'all') return 'all';
  return policy.kind === 'latest' ? `latest(${policy.numVersions})` : `specific(${policy.versions.join(', ')})`;
}

function table(rows: Row[]): string {
  const header: Row = { model: 'MODEL', version: 'VERSION', state: 'STATE', bytes: 'SIZE', labels: 'LABELS' };
  const keys = Object.keys(header) as (keyof Row)[];
  const width = (k: keyof Row) => Math.max(...[header, ...rows].map((r) => r[k].length));
  return [header, ...rows].map((r) => keys.map((k) => r[k].padEnd(width(k))).join('  ').trimEnd()).join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
