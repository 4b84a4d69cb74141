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
  const label = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? ` ${basename(url.replace(/\?.*$/, ''))}:${lineNumber + 1}` : '';
    label.set(n.id, `${functionName || '(anonymous)'}${where}`);
  }
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    const name = label.get(id) ?? '?';
    if (name === '(idle)') return;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, t]) => ({ name, share: total > 0 ? t / total : 0 }));
}

/** The summary of the one .cpuprofile a process wrote into `dir`; null when there is none. */
export async function profileIn(dir: string): Promise<ProfileRow[] | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  return summariseProfile(JSON.parse(await readFile(join(dir, files[0]), 'utf8')) as CpuProfile);
}
