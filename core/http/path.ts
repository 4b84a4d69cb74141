import { invalidArgument, quoted } from '../errors.ts';
import { clampVersion } from '../version/version-number.ts';

/**
 * TF Serving's REST URL grammar (docs/tf-serving-compat.md section 2), matched case-insensitively:
 *   POST /v1/models/{name}[/versions/{N}|/labels/{L}]:(predict|classify|regress)
 *   GET  /v1/models[/{name}][/versions/{N}|/labels/{L}][/metadata]
 * Names and labels are percent-decoded (%XX only; '+' stays '+'). The verb is case-sensitive.
 */
export type Api = 'predict' | 'classify' | 'regress' | 'status' | 'metadata';

export interface ModelPath {
  api: Api;
  model: string;
  version?: number;
  label?: string;
}

/** Thrown for paths whose answer is a 400 with an empty body (TF Serving returns before JSON). */
export class EmptyBodyError extends Error {}

const POST_RE = /^\/v1\/models\/([^/:]+)(?:\/versions\/(\d+)|\/labels\/([^/:]+))?:(classify|regress|predict)$/i;
const GET_RE = /^\/v1\/models(?:\/([^/:]+))?(?:\/versions\/(\d+)|\/labels\/([^/:]+))?(?:\/(metadata))?$/i;

export function parseModelPath(method: string, path: string): ModelPath {
  const match = method === 'POST' ? POST_RE.exec(path) : method === 'GET' ? GET_RE.exec(path) : null;
  if (!match) throw invalidArgument(`Malformed request: ${method} ${quoted(path)}`);
  const [, rawName, rawVersion, rawLabel, verb] = match;
  if (method === 'POST' && !['predict', 'classify', 'regress'].includes(verb)) {
    throw invalidArgument(`Malformed request: ${method} ${quoted(path)}`);
  }
  if (rawName === undefined) throw invalidArgument('Missing model name in request.');
  const result: ModelPath = {
    api: method === 'POST' ? (verb as Api) : verb === 'metadata' ? 'metadata' : 'status',
    model: percentDecode(rawName),
  };
  if (rawVersion !== undefined) result.version = parseVersion(rawVersion);
  if (rawLabel !== undefined) result.label = percentDecode(rawLabel);
  return result;
}

function parseVersion(digits: string): number {
  const value = BigInt(digits);
  if (value > 0x7fffffffffffffffn) throw new EmptyBodyError(`Failed to convert version: ${quoted(digits)} to numeric.`);
  return clampVersion(value);
}

function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(text[i]));
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new EmptyBodyError('Invalid percent-encoding in model name or label');
  }
}
