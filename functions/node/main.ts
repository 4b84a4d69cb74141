import { ConfigError } from '../../core/config/config-error.ts';
import { serve } from '../../cli/serve.ts';

/** `npm start` (and the test suites' server process): the server alone; `edgeserve serve` is the same. */
serve(process.argv.slice(2), process.env).catch((err) => {
  console.error(err instanceof ConfigError ? `edgeserve: ${err.message}` : err);
  process.exit(2);
});
