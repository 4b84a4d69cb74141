import type { BatchingParameters } from './batching.ts';
import { ConfigError } from './config-error.ts';
import { parseTextOrJson } from './text-format.ts';
import { type TextField, type TextMessage, asInt, asMessage, asString } from './text-message.ts';

/** Which versions of a model may serve (TF Serving's ServableVersionPolicy). See version/policy.ts. */
export type VersionPolicy = { kind: 'latest'; numVersions: number } | { kind: 'all' } | { kind: 'specific'; versions: number[] };

/**
 * One served model, validated. Built at start-up from --model_config_file (parseModelServerConfig)
 * or from --model_name/--model_base_path (singleModelConfig); read by the repository and manager.
 * Invariants: `name` is non-empty and path-safe; `basePath` is absolute or a URL whenever the
 * config file's folder was; latest.numVersions >= 1; specific.versions and label values are positive
 * integers; `labels` has no inherited keys. `batching` is filled by the repository from the
 * model's model.json, never by the config file.
 */
export interface ModelConfig {
  name: string;
  basePath: string;
  /** "onnx", or "tensorflow" (what TF Serving configs say; the folder's ONNX files are served). */
  platform: string;
  versionPolicy: VersionPolicy;
  labels: Record<string, number>;
  batching?: BatchingParameters;
}

const PLATFORMS = ['onnx', 'tensorflow'];

/**
 * Parses a ModelServerConfig: TF Serving's text format, or its proto3 JSON form when the text
 * starts with `{` (snake_case or lowerCamelCase keys; version_labels as an object). Relative
 * base paths resolve against `baseDir`, the config file's folder. `source` names the file in errors.
 * Throws ConfigError on any syntax or validation error; an empty config list is valid.
 */
export function parseModelServerConfig(text: string, source: string, baseDir: string): ModelConfig[] {
  const root = parseTextOrJson(text, source, ['version_labels']);
  root.expectOnly(['model_config_list']);
  const list = root.field('model_config_list');
  const entries = list ? asMessage(list).repeated('config') : [];
  const seen = new Set<string>();
  return entries.map((entry) => {
    const config = readConfig(entry, baseDir);
    if (seen.has(config.name)) throw new ConfigError(`${entry.where}: Illegal to list model ${config.name} multiple times in config list`);
    seen.add(config.name);
    return config;
  });
}

/** The one-model config TF Serving builds from --model_name and --model_base_path. */
export function singleModelConfig(name: string, basePath: string): ModelConfig {
  checkName(name, '--model_name');
  return { name, basePath, platform: 'onnx', versionPolicy: { kind: 'latest', numVersions: 1 }, labels: {} };
}

function readConfig(entry: TextField, baseDir: string): ModelConfig {
  const msg = asMessage(entry);
  // logging_config (request logging) is accepted so TF Serving files load, and ignored.
  msg.expectOnly(['name', 'base_path', 'model_platform', 'model_version_policy', 'version_labels', 'logging_config']);
  const name = optionalString(msg, 'name') ?? '';
  checkName(name, msg.where);
  const basePath = optionalString(msg, 'base_path');
  if (!basePath) throw new ConfigError(`${msg.where}: model ${name} has no base_path`);
  const platform = optionalString(msg, 'model_platform');
  if (!platform) throw new ConfigError(`${msg.where}: model ${name} has no model_platform (required; use "onnx")`);
  if (!PLATFORMS.includes(platform)) {
    throw new ConfigError(`${msg.where}: model ${name} has model_platform "${platform}"; supported: "onnx", "tensorflow" (serves the ONNX files)`);
  }
  const policy = msg.field('model_version_policy');
  return {
    name,
    basePath: resolvePath(basePath, baseDir),
    platform,
    versionPolicy: policy ? readPolicy(asMessage(policy)) : { kind: 'latest', numVersions: 1 },
    labels: readLabels(msg.repeated('version_labels')),
  };
}

function readPolicy(msg: TextMessage): VersionPolicy {
  msg.expectOnly(['latest', 'all', 'specific']);
  const kinds = [...msg.fields.keys()];
  if (kinds.length > 1) throw new ConfigError(`${msg.where}: model_version_policy must set only one of latest, all, specific`);
  if (kinds.length === 0) return { kind: 'latest', numVersions: 1 };
  const kind = kinds[0];
  const body = asMessage(msg.field(kind)!);
  if (kind === 'all') {
    body.expectOnly([]);
    return { kind: 'all' };
  }
  if (kind === 'latest') {
    body.expectOnly(['num_versions']);
    const field = body.field('num_versions');
    const n = field ? asInt(field) : 0;
    if (n < 0) throw new ConfigError(`${field!.where}: num_versions must not be negative`);
    return { kind: 'latest', numVersions: Math.max(n, 1) }; // TF Serving treats 0 (the default) as 1
  }
  body.expectOnly(['versions']);
  const versions = body.repeated('versions').map((f) => positive(f, 'versions'));
  return { kind: 'specific', versions: [...new Set(versions)].sort((a, b) => b - a) };
}

function readLabels(entries: TextField[]): Record<string, number> {
  const labels = new Map<string, number>(); // a later entry for the same key wins, as in protobuf maps
  for (const entry of entries) {
    const msg = asMessage(entry);
    msg.expectOnly(['key', 'value']);
    const label = optionalString(msg, 'key') ?? '';
    if (label === '') throw new ConfigError(`${entry.where}: version_labels entry has no key`);
    const value = msg.field('value');
    if (!value) throw new ConfigError(`${entry.where}: version label ${label} has no value`);
    labels.set(label, positive(value, `version label ${label}`));
  }
  return Object.fromEntries(labels); // own data properties, even for "__proto__"
}

function optionalString(msg: TextMessage, name: string): string | undefined {
  const field = msg.field(name);
  return field && asString(field);
}

function positive(field: TextField, what: string): number {
  const n = asInt(field);
  if (n < 1) throw new ConfigError(`${field.where}: ${what} must be a positive integer, got ${n}`);
  return n;
}

function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new ConfigError(`${where}: invalid model name ${JSON.stringify(name)} (must be non-empty, not "." or "..", without "/" or "\\")`);
  }
}

const URL_ROOT = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/;
const PATH_ROOT = /^(?:[a-zA-Z]:)?[/\\]/;

/** `path` against `baseDir` with plain string logic (core has no node:path). URLs and absolute paths pass through. */
function resolvePath(path: string, baseDir: string): string {
  if (URL_ROOT.test(path) || PATH_ROOT.test(path) || baseDir === '') return path;
  const joined = `${baseDir.replace(/[/\\]+$/, '')}/${path}`;
  const root = URL_ROOT.exec(joined)?.[0] ?? PATH_ROOT.exec(joined)?.[0] ?? '';
  const segments: string[] = [];
  for (const segment of joined.slice(root.length).split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.length > 0 && segments.at(-1) !== '..') segments.pop();
    else if (!root) segments.push(segment); // a relative baseDir may climb; a root cannot
  }
  const rest = segments.join('/');
  if (!root) return rest || '.';
  return /[/\\]$/.test(root) ? root + rest : `${root}/${rest}`;
}
