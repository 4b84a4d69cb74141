/**
 * A bad start-up configuration: a flag, the model config file, a batching parameters file.
 * The message is for the operator who wrote it: it names the flag or file (with line and column,
 * or a JSON path, where known) and says what is wrong. Entry points print the message and exit;
 * no stack trace. Errors raised while serving a request are ServingErrors, not ConfigErrors.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
