// Worker entry when edgeserve runs from its TypeScript sources: under tsx the thread inherits its
// loader (execArgv); elsewhere (vitest) teach this thread TypeScript first. The bundled container
// ships ort-worker.mjs instead.
try {
  await import('./ort-worker.ts');
} catch (err) {
  if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  (await import('tsx/esm/api')).register();
  // A failed import stays failed under its URL: ask again under another one.
  await import('./ort-worker.ts?registered');
}
