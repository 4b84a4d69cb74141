import { ConfigError } from '../config/config-error.ts';
import { isSafeRelativePath } from './relative-path.ts';

/**
 * A place in a bucket: `s3://bucket/prefix/model` -> { bucket, prefix: "prefix/model" }. Parsed
 * once at start-up from --model_base_path, a config file's base_path or the CLI's --to; the
 * sources then build every key as prefix + "/" + a validated relative path, so no model name,
 * version or file name can reach a key outside the prefix.
 */
export interface ObjectLocation {
  scheme: string;
  bucket: string;
  /** Key prefix without leading or trailing "/"; "" is the bucket's root. Never has "." or ".." segments. */
  prefix: string;
}

/** Parses `<scheme>://bucket[/prefix...]`; throws ConfigError naming the URL when it is malformed. */
export function parseObjectUrl(url: string, scheme = 's3'): ObjectLocation {
  const m = new RegExp(`^${scheme}://([^/?#]*)(/[^?#]*)?$`).exec(url);
  if (!m) throw new ConfigError(`${JSON.stringify(url)} is not a ${scheme}:// URL like ${scheme}://bucket/prefix/model`);
  const [, bucket, path = ''] = m;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(bucket)) throw new ConfigError(`${JSON.stringify(url)}: invalid bucket name ${JSON.stringify(bucket)}`);
  const prefix = path.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !isSafeRelativePath(prefix)) {
    throw new ConfigError(`${JSON.stringify(url)}: the key prefix must not have empty, "." or ".." segments`);
  }
  return { scheme, bucket, prefix };
}

export function objectUrl(location: ObjectLocation): string {
  return `${location.scheme}://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

/** The location of one model (or any single-segment child) under a repository root. */
export function childLocation(root: ObjectLocation, name: string): ObjectLocation {
  if (!isSafeRelativePath(name) || name.includes('/')) {
    throw new ConfigError(`invalid model name ${JSON.stringify(name)} (must be non-empty, not "." or "..", without "/" or "\\")`);
  }
  return { ...root, prefix: root.prefix ? `${root.prefix}/${name}` : name };
}

/** The key of `path` under `prefix`, or null when `path` is not a safe relative path. */
export function keyUnder(prefix: string, path: string): string | null {
  if (!isSafeRelativePath(path)) return null;
  return prefix ? `${prefix}/${path}` : path;
}

/** What to list to see the entries directly under `prefix`. */
export function listPrefix(prefix: string): string {
  return prefix ? `${prefix}/` : '';
}

/** The name of a listed key or common prefix relative to `listed` (listPrefix), without a trailing "/". */
export function entryName(listed: string, key: string): string | null {
  if (!key.startsWith(listed)) return null;
  const name = key.slice(listed.length).replace(/\/$/, '');
  return name === '' || name.includes('/') ? null : name;
}
