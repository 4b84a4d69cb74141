import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../core/config/config-error.ts';
import type { ServerFlags } from '../../core/config/flags.ts';
import { parseModelServerConfig, singleModelConfig, type ModelConfig } from '../../core/config/model-config.ts';

/**
 * The model list the flags name, for the targets that have files (Node, container, Lambda): the
 * --model_config_file's models (its relative base paths are relative to the file), or the one
 * model at --model_base_path (relative to `cwd`; URLs as they are). `setting` is how the target
 * names the config file in errors ("--model_config_file", "environment: MODEL_CONFIG_FILE").
 */
export async function loadModelConfigs(flags: ServerFlags, cwd: string, setting: string): Promise<ModelConfig[]> {
  if (flags.modelConfigFile) {
    const file = resolve(cwd, flags.modelConfigFile);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError(`${setting}=${flags.modelConfigFile}: cannot read it (${err.code ?? 'I/O error'})`);
    });
    return parseModelServerConfig(text, flags.modelConfigFile, dirname(file));
  }
  const base = flags.modelBasePath!;
  return [singleModelConfig(flags.modelName, isAbsolute(base) || base.includes('://') ? base : resolve(cwd, base))];
}
