import { ConfigError } from './config-error.ts';
import { parseFlags, type ServerFlags } from './flags.ts';

/**
 * The flag table read from variables instead of a command line: Worker vars, Deno's and Lambda's
 * environment. A variable named as a flag upper-cased is that flag (CACHE_BYTES is --cache_bytes),
 * parsed and checked by the same table, so values, units and checks are the same on every target.
 * Each target names the variables it reads; the rest are its own (or nobody's). Values may be
 * strings or TOML numbers and booleans (wrangler [vars]); empty counts as unset. Pure. Throws
 * ConfigError naming the variable, prefixed by `where` ("environment", "Worker vars").
 */
export type Vars = Record<string, unknown>;

export interface FlagVarsOptions {
  /** The variables read as flags, upper-cased flag names. */
  names: readonly string[];
  where: string;
  /** Flags placed before the variables' (a variable wins over them). */
  argv?: readonly string[];
  /**
   * Apply MODEL_NAME, MODEL_BASE_PATH (the parent of the model folder) and EDGESERVE_API_KEYS as the
   * Node server does from its environment (parseFlags' fallbacks). Default false.
   */
  modelVariables?: boolean;
}

/** A variable's value as text; undefined when unset or empty. */
export function varText(vars: Vars, name: string): string | undefined {
  const v = vars[name];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

export function flagsFromVars(vars: Vars, options: FlagVarsOptions): ServerFlags {
  const given = options.names.filter((name) => varText(vars, name) !== undefined);
  const argv = [...(options.argv ?? []), ...given.map((name) => `--${name.toLowerCase()}=${varText(vars, name)}`)];
  const env = options.modelVariables
    ? { MODEL_NAME: varText(vars, 'MODEL_NAME'), MODEL_BASE_PATH: varText(vars, 'MODEL_BASE_PATH'), EDGESERVE_API_KEYS: varText(vars, 'EDGESERVE_API_KEYS') }
    : {};
  try {
    return parseFlags(argv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(`${options.where}: ${err.message.replace(/--([a-z_]+)/g, (_, name: string) => name.toUpperCase())}`);
  }
}
