import { MODEL_JSON_FILE } from '../core/repository/model-json.ts';
import { UsageError, parseArgs } from './args.ts';
import { readDoc, writeModelJson } from './label.ts';
import { openRepository } from './repository.ts';
import { TRAFFIC_USAGE } from './usage.ts';


/**
 * `edgeserve traffic`: read-modify-write of <model>/model.json's "traffic" (and "rollback"),
 * keeping every other key, checked with the server's parser before the one write, like `label`.
 */
export async function traffic(argv: string[], env: Record<string, string | undefined>, log = (m: string) => console.log(m)): Promise<void> {
  const args = parseArgs(argv, { options: ['to', 's3_endpoint', 'max_error_rate', 'min_requests'], flags: ['off'] });
  const [name, ...assignments] = args.positional;
  const off = args.flags.has('off');
  if (!name || (assignments.length === 0) === !off) throw new UsageError(`traffic needs a model name and LABEL=WEIGHT, or --off\n${TRAFFIC_USAGE}`);
  const repo = openRepository(args.options.get('to'), env, args.options.get('s3_endpoint'));
  const source = repo.model(name);
  const current = await source.read(MODEL_JSON_FILE);
  const doc = current ? readDoc(current, `${source.location}/${MODEL_JSON_FILE}`) : {};
  const next: Record<string, unknown> = { ...doc };
  if (off) {
    delete next.traffic;
    delete next.rollback;
    log(`${name}: traffic split removed; unpinned requests go to the latest version`);
  } else {
    next.traffic = Object.fromEntries(assignments.map(parseWeight));
    const rate = args.options.get('max_error_rate');
    const min = args.options.get('min_requests');
    if (rate !== undefined || min !== undefined) {
      const previous = (typeof doc.rollback === 'object' && doc.rollback) || {};
      next.rollback = { ...previous, ...(rate !== undefined && { max_error_rate: Number(rate) }), ...(min !== undefined && { min_requests: Number(min) }) };
    }
    log(`${name}: traffic ${assignments.join(' ')}${next.rollback ? `, rollback ${JSON.stringify(next.rollback)}` : ''}`);
  }
  await writeModelJson(repo, name, next, log);
}

function parseWeight(text: string): [string, number] {
  const m = /^([A-Za-z0-9_.-]+)=(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) throw new UsageError(`${JSON.stringify(text)}: expected LABEL=WEIGHT (a non-negative number)`);
  return [m[1], Number(m[2])];
}
