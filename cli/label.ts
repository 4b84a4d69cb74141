import { ConfigError } from '../core/config/config-error.ts';
import { discoverVersions } from '../core/repository/discovery.ts';
import { MODEL_JSON_FILE, parseModelJson } from '../core/repository/model-json.ts';
import { parseVersionDir } from '../core/version/policy.ts';
import { UsageError, parseArgs } from './args.ts';
import { openRepository, type Repository } from './repository.ts';
import { LABEL_USAGE } from './usage.ts';


/**
 * `edgeserve label`: read-modify-write of <model>/model.json. Keeps every other key as it was,
 * and checks the result with the server's own parser before writing, so the CLI never uploads a
 * model.json that servers would reject. The write is one object PUT (or an atomic rename).
 */
export async function label(argv: string[], env: Record<string, string | undefined>, log = (m: string) => console.log(m)): Promise<void> {
  const args = parseArgs(argv, { options: ['to', 's3_endpoint'], flags: ['force'] });
  const [name, ...assignments] = args.positional;
  if (!name || assignments.length === 0) throw new UsageError(`label needs a model name and LABEL=VERSION\n${LABEL_USAGE}`);
  const repo = openRepository(args.options.get('to'), env, args.options.get('s3_endpoint'));
  const source = repo.model(name);

  const changes = assignments.map(parseAssignment);
  const current = await source.read(MODEL_JSON_FILE);
  const doc = current ? readDoc(current, `${source.location}/${MODEL_JSON_FILE}`) : {};
  const labels = new Map(Object.entries(typeof doc.labels === 'object' && doc.labels !== null ? doc.labels : {}));

  if (!args.flags.has('force')) {
    const complete = await discoverVersions(source);
    const missing = changes.filter((c) => c.version !== null && !complete.has(c.version));
    if (missing.length > 0) {
      const list = missing.map((c) => c.version).join(', ');
      throw new UsageError(`${name} has no complete version ${list} in ${repo.url} (push it first, or pass --force)`);
    }
  }
  for (const { label: key, version } of changes) {
    const before = labels.get(key);
    if (version === null) labels.delete(key);
    else labels.set(key, version);
    log(`${name}: ${key} ${version === null ? 'removed' : `-> ${version}`}${before !== undefined ? ` (was ${before})` : ''}`);
  }
  await writeModelJson(repo, name, { ...doc, labels: Object.fromEntries(labels) }, log);
}

/** Writes a model's model.json after the server's own parser accepts it (UsageError otherwise). */
export async function writeModelJson(repo: Repository, name: string, doc: Record<string, unknown>, log: (m: string) => void): Promise<void> {
  const text = JSON.stringify(doc, null, 2) + '\n';
  try {
    parseModelJson(text, `${name}/${MODEL_JSON_FILE}`, { numBatchThreads: 1 });
  } catch (err) {
    throw new UsageError(`not writing ${MODEL_JSON_FILE}: ${(err as Error).message}`);
  }
  await repo.writeModelJson(name, new TextEncoder().encode(text));
  log(`wrote ${repo.model(name).location}/${MODEL_JSON_FILE}`);
}

function parseAssignment(text: string): { label: string; version: number | null } {
  const m = /^([A-Za-z0-9_.-]+)=(.*)$/.exec(text);
  if (!m) throw new UsageError(`${JSON.stringify(text)}: expected LABEL=VERSION (or LABEL= to remove it)`);
  if (m[2] === '') return { label: m[1], version: null };
  const version = parseVersionDir(m[2]);
  if (version === null) throw new UsageError(`${text}: the version must be a positive integer`);
  return { label: m[1], version };
}

export function readDoc(bytes: Uint8Array, where: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ConfigError(`${where} is not valid JSON; fix or delete it first`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(`${where} must be a JSON object; fix or delete it first`);
  return doc as Record<string, unknown>;
}
