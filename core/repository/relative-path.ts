/**
 * The one rule for a path inside a model folder or repository root, shared by every source (local
 * folder on Node and Deno, S3 and R2 keys) and by manifests: non-empty segments, none "." or "..",
 * no backslash, no leading "/". A path that fails it could leave the base or name one file two
 * ways, so sources answer it with null without touching storage. Pure.
 */
export function isSafeRelativePath(path: string): boolean {
  return path.length > 0 && !path.startsWith('/') && !path.includes('\\') && path.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}
