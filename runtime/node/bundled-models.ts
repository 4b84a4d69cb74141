import { fileURLToPath } from 'node:url';

/** The example repository shipped in models/ (what `npm start` serves when told nothing else). */
export const BUNDLED_MODEL_CONFIG = fileURLToPath(new URL('../../models/models.config', import.meta.url));

/**
 * `npm start`'s default: argv plus --model_config_file=<the bundled repository>, unless the user
 * names models themselves (--model_base_path, --model_config_file, or MODEL_BASE_PATH). TF Serving
 * lets a config file win over name and base path, but this default is ours, not the user's, so the
 * user's flags replace it rather than conflict with it. Pure.
 */
export function withBundledModels(argv: readonly string[], env: Record<string, string | undefined>): string[] {
  const named = argv.some((a) => /^--?(model_base_path|model_config_file)(=|$)/.test(a)) || Boolean(env.MODEL_BASE_PATH);
  return named ? [...argv] : [...argv, `--model_config_file=${BUNDLED_MODEL_CONFIG}`];
}
