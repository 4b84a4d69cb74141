import { withBundledModels } from '../../runtime/node/bundled-models.ts';

/** `npm start`: main.ts, serving the bundled example repository unless the flags name models. */
process.argv.splice(2, Infinity, ...withBundledModels(process.argv.slice(2), process.env));
await import('./main.ts');
