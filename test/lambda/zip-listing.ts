import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/**
 * The entries of a zip file, read from its central directory: enough to check what a Lambda
 * package holds, its unzipped size, and to unpack it the way Lambda does (into /var/task).
 * Plain zip only (stored or deflated, no zip64: Lambda packages are far below 4 GB).
 */
export interface ZipEntry {
  name: string;
  /** Uncompressed bytes. */
  size: number;
  /** Unix mode bits, when the zip recorded them. */
  mode: number;
  data(): Uint8Array;
}

export function zipEntries(file: string): ZipEntry[] {
  const zip = readFileSync(file);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({
      name,
      size: zip.readUInt32LE(at + 24),
      mode: zip.readUInt32LE(at + 38) >>> 16,
      data() {
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(start, start + compressed);
        if (method === 0) return raw;
        if (method === 8) return inflateRawSync(raw);
        throw new Error(`${name}: unsupported compression method ${method}`);
      },
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** Unpacks every file of the zip under `dir`, keeping recorded modes. */
export function unzip(file: string, dir: string): void {
  for (const entry of zipEntries(file)) {
    if (entry.name.endsWith('/')) continue;
    const path = join(dir, entry.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, entry.data());
    if (entry.mode) chmodSync(path, entry.mode & 0o777);
  }
}
