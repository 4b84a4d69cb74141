import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * A V8 .cpuprofile (node --cpu-prof) summarised: self time per function (name, file, line),
 * largest first, as shares of the busy time: (idle), the event loop waiting, is left out of the
 * total (a server idles while the others are measured) and reported alone as idleShare of all.
 * (garbage collector) and (program) (native code such as libuv) appear as V8 names them.
 */
export interface ProfileRow {
  name: string;
  share: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export function summariseProfile(profile: CpuProfile, top = 15): ProfileRow[] {
  return summarise([selfTimes(profile)], top);
}

/** Self time (µs) per function label of one profile, (idle) left out. */
function selfTimes(profile: CpuProfile): Map<string, number> {
  const label = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? ` ${basename(url.replace(/\?.*$/, ''))}:${lineNumber + 1}` : '';
    label.set(n.id, `${functionName || '(anonymous)'}${where}`);
  }
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    const name = label.get(id) ?? '?';
    if (name !== '(idle)') self.set(name, (self.get(name) ?? 0) + dt);
  });
  return self;
}

/** Several profiles' self times added up, as shares of their total. */
function summarise(maps: Map<string, number>[], top: number): ProfileRow[] {
  const self = new Map<string, number>();
  for (const m of maps) for (const [name, t] of m) self.set(name, (self.get(name) ?? 0) + t);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, t]) => ({ name, share: total > 0 ? t / total : 0 }));
}

/** Every .cpuprofile a process wrote into `dir`, summarised together; null when there is none. */
export async function profileIn(dir: string): Promise<ProfileRow[] | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const maps = await Promise.all(files.map(async (f) => selfTimes(JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile)));
  return summarise(maps, 20);
}
