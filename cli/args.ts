/**
 * The CLI subcommands' argv: positionals and `--name value` / `--name=value` options, `--flag` for
 * booleans. Each command declares its options; an unknown one is an error that names it.
 * (`serve` keeps tensorflow_model_server's own parser, core/config/flags.ts.)
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: { options?: string[]; flags?: string[] }): ParsedArgs {
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([A-Za-z0-9_-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m || argv[i] === '-') {
      positional.push(argv[i]);
      continue;
    }
    const [, name, inline] = m;
    if (spec.flags?.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.options?.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, options, flags };
}
