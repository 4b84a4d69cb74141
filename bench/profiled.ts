/**
 * Runs a server entry under the V8 profiler, but only while the bench measures: each SIGUSR2
 * toggles profiling; stopping writes <dir>/<n>.cpuprofile. So start-up, module loading and warm-up
 * load stay out of the profile (node --cpu-prof would include them).
 *
 *   node --import tsx bench/profiled.ts <profile dir> <entry.ts> [entry flags...]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, entry, ...rest] = process.argv.slice(2);
const session = new Session();
session.connect();
let on = false;
let n = 0;
process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  on = false;
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, `${n++}.cpuprofile`), JSON.stringify(result.profile));
  });
});
process.argv = [process.argv[0], entry, ...rest];
await import(pathToFileURL(entry).href);
