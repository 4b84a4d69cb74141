import { parseVersionDir } from '../version/policy.ts';
import { MODEL_JSON_FILE } from './model-json.ts';

/**
 * Why a model's listing gave no servable versions, as the one line an operator reads: the path,
 * what was expected there, and the likeliest mistake (a missing folder, a repository root, a
 * .onnx file, versions without a manifest). null when there are versions. Pure.
 */
export function noVersionsReason(location: string, names: readonly string[], versions: number, requiresManifest: boolean): string | null {
  if (versions > 0) return null;
  const expected = `no versions found at ${location}: expected numbered version folders (${location}/1/model.onnx, ...)`;
  const numbered = names.filter((n) => parseVersionDir(n) !== null);
  if (numbered.length > 0 && requiresManifest) {
    return `${expected}, but ${shown(numbered)} ${numbered.length === 1 ? 'has' : 'have'} no manifest.json (upload versions with edgeserve push, which writes it last)`;
  }
  const others = names.filter((n) => n !== MODEL_JSON_FILE);
  if (others.length < names.length && others.length === 0) return `${expected}, but it holds only ${MODEL_JSON_FILE}`;
  if (others.length > 0) {
    return `${expected}, but it holds ${shown(others)}: not numbered version folders (a repository root? point the base path at one model's folder, or list the models in a config file)`;
  }
  if (/\.onnx$/i.test(location)) return `${expected}, but the base path is a .onnx file: point it at the folder that holds the version folders`;
  return `${expected}, but it does not exist or is empty`;
}

function shown(names: readonly string[]): string {
  const sorted = [...names].sort();
  return sorted.length > 6 ? `${sorted.slice(0, 6).join(', ')}, ... (${sorted.length} entries)` : sorted.join(', ');
}
