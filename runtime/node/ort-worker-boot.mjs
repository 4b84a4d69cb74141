// Worker entry when edgeserve runs from its TypeScript sources (tsx, vitest): teach this thread
// TypeScript, then start ort-worker.ts. The bundled container ships ort-worker.mjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./ort-worker.ts');
