import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/repository/version-files.ts';
import { identityModel } from '../test/fixtures/onnx-writer.ts';
import { parseArgs } from './args.ts';
import { formatSignature, inspect } from './inspect.ts';
import { label } from './label.ts';
import { ls } from './ls.ts';
import { push } from './push.ts';
import { localRepository } from './repository.ts';

// The CLI's commands against a local-folder repository (the S3 path runs in test/storage/s3-e2e.test.ts).
let dir: string;
let repo: string;
const env = {};
const MODEL_A = identityModel('float32', [1]);
const A = MODEL_A.byteLength;
const out: string[] = [];
const log = (m: string) => void out.push(m);
const run = async (cmd: (argv: string[], env: Record<string, string>, log: (m: string) => void) => Promise<void>, argv: string[]) => {
  out.length = 0;
  await cmd(argv, env, log);
  return out.join('\n');
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-cli-'));
  repo = join(dir, 'models');
  writeFileSync(join(dir, 'a.onnx'), MODEL_A);
  writeFileSync(join(dir, 'not-a-model.onnx'), 'model-a');
  writeFileSync(join(dir, 'labels.txt'), 'cat\ndog\n');
  writeFileSync(join(dir, 'empty.onnx'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('edgeserve push', () => {
  it('writes the files and a manifest with sizes and sha256, taking the next version', async () => {
    expect(await run(push, [join(dir, 'a.onnx'), join(dir, 'labels.txt'), '--model', 'm', '--to', repo])).toMatch(new RegExp(`^pushed m version 1 \\(2 files, ${A + 8} bytes`));
    expect(await run(push, [join(dir, 'a.onnx'), '--model=m', `--to=${repo}`])).toMatch(/^pushed m version 2 /);
    expect(await run(push, [join(dir, 'a.onnx'), '--model', 'm', '--version', '10', '--to', repo])).toMatch(/^pushed m version 10 /);
    expect(await run(push, [join(dir, 'a.onnx'), '--model', 'm', '--to', repo])).toMatch(/^pushed m version 11 /); // 11 > 10 > 2, as numbers
    expect(readdirSync(join(repo, 'm')).sort()).toEqual(['1', '10', '11', '2']); // no staging folders left
    const manifest = JSON.parse(readFileSync(join(repo, 'm', '1', 'manifest.json'), 'utf8'));
    expect(manifest.files).toEqual([
      { path: 'model.onnx', size: A, sha256: await sha256Hex(MODEL_A) },
      { path: 'labels.txt', size: 8, sha256: await sha256Hex(new TextEncoder().encode('cat\ndog\n')) },
    ]);
    expect(new Uint8Array(readFileSync(join(repo, 'm', '1', 'model.onnx')))).toEqual(MODEL_A);
  });

  it.each([
    [['--model', 'm', '--to', 'REPO'], 'push needs a model file and --model'],
    [['A', '--to', 'REPO'], 'push needs a model file and --model'],
    [['A', '--model', 'm'], 'where is the repository? pass --to'],
    [['A', '--model', '..', '--to', 'REPO'], 'invalid model name ".."'],
    [['A', '--model', 'a/b', '--to', 'REPO'], 'invalid model name "a/b"'],
    [['A', '--model', 'm', '--version', '1', '--to', 'REPO'], 'version 1 of m already exists'],
    [['A', '--model', 'm', '--version', '0', '--to', 'REPO'], '--version 0: expected a positive integer'],
    [['nope.onnx', '--model', 'm', '--to', 'REPO'], 'nope.onnx: no such file'],
    [['A', 'L', 'L', '--model', 'm', '--to', 'REPO'], 'a version cannot hold two files named labels.txt'],
    [['A', '--model', 'm', '--to', 'gs://b/p'], 'unsupported repository'],
    [['A', '--model', 'm', '--colour', 'red', '--to', 'REPO'], 'unknown option --colour'],
    [['L', '--model', 'm', '--to', 'REPO'], 'labels.txt is not an ONNX model: it does not parse as protobuf'],
    [['N', '--model', 'm', '--to', 'REPO'], 'not-a-model.onnx is not an ONNX model'],
    [['E', '--model', 'm', '--to', 'REPO'], 'empty.onnx is not an ONNX model: it has no ir_version'],
  ])('refuses %j', async (argv, message) => {
    const paths: Record<string, string> = { A: join(dir, 'a.onnx'), L: join(dir, 'labels.txt'), N: join(dir, 'not-a-model.onnx'), E: join(dir, 'empty.onnx'), REPO: repo };
    const args = argv.map((a) => paths[a] ?? a);
    await expect(run(push, args)).rejects.toThrow(message);
  });
});

describe('edgeserve label', () => {
  it('sets, moves and removes labels, keeping the rest of model.json', async () => {
    writeFileSync(join(repo, 'm', 'model.json'), JSON.stringify({ version_policy: { all: {} }, labels: { old: 1 } }));
    expect(await run(label, ['m', 'stable=2', 'canary=10', '--to', repo])).toBe(`m: stable -> 2\nm: canary -> 10\nwrote ${repo}/m/model.json`);
    expect(await run(label, ['m', 'stable=1', 'old=', '--to', repo])).toContain('m: stable -> 1 (was 2)\nm: old removed (was 1)');
    expect(JSON.parse(readFileSync(join(repo, 'm', 'model.json'), 'utf8'))).toEqual({ version_policy: { all: {} }, labels: { stable: 1, canary: 10 } });
  });

  it('refuses versions that are not there unless --force, and bad assignments', async () => {
    await expect(run(label, ['m', 'stable=99', '--to', repo])).rejects.toThrow('m has no complete version 99');
    expect(await run(label, ['m', 'next=99', '--force', '--to', repo])).toContain('m: next -> 99');
    await expect(run(label, ['m', 'stable', '--to', repo])).rejects.toThrow('expected LABEL=VERSION');
    await expect(run(label, ['m', 'stable=x', '--to', repo])).rejects.toThrow('the version must be a positive integer');
    await expect(run(label, ['m', '--to', repo])).rejects.toThrow('label needs a model name and LABEL=VERSION');
  });

  it('will not overwrite a model.json it cannot read', async () => {
    writeFileSync(join(repo, 'm', 'model.json'), '{"labels": ');
    await expect(run(label, ['m', 'stable=1', '--to', repo])).rejects.toThrow('model.json is not valid JSON; fix or delete it first');
    writeFileSync(join(repo, 'm', 'model.json'), JSON.stringify({ labels: { stable: 1 } }));
  });
});

describe('edgeserve ls', () => {
  it('shows versions, completeness, sizes and labels of every model', async () => {
    await run(push, [join(dir, 'a.onnx'), '--model', 'other', '--to', repo]);
    rmSync(join(repo, 'other', '1', 'manifest.json')); // a TF-Serving-style folder
    writeFileSync(join(repo, 'models.config'), ''); // not a model: skipped
    expect(await run(ls, ['--to', repo])).toBe(
      [
        'MODEL  VERSION  STATE        SIZE   LABELS',
        `m      11       unverified   ${A} B`,
        `m      10       unverified   ${A} B`,
        `m      2        unverified   ${A} B`,
        `m      1        unverified   ${A + 8} B  stable`,
        'other  1        no manifest  -',
      ].join('\n'),
    );
    expect(await run(ls, ['nope', '--to', repo])).toBe(`nope: no versions in ${repo}`);
  });

  it('--verify reads every file: a version whose sha256 does not match is corrupt, not complete', async () => {
    writeFileSync(join(repo, 'm', '10', 'model.onnx'), MODEL_A.map((b, i) => (i === A - 1 ? b ^ 1 : b)));
    const out = await run(ls, ['m', '--verify', '--to', repo]);
    expect(out.split('\n').map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['MODEL', 'VERSION', 'STATE'],
      ['m', '11', 'verified'],
      ['m', '10', 'corrupt'],
      ['m', '2', 'verified'],
      ['m', '1', 'verified'],
      ['m', 'version', '10:'],
    ]);
    expect(out).toContain(`m version 10: ${join(repo, 'm')}/10/model.onnx does not match its sha256 in the manifest`);
  });
});

describe('edgeserve inspect', () => {
  it('prints the signature as saved_model_cli show does', async () => {
    const lines: string[] = [];
    await inspect(['models/classifier/1/model.onnx'], (m) => lines.push(m));
    expect(lines).toEqual([
      formatSignature({
        inputs: [{ name: 'inputs', dtype: 'float32', dims: [-1, 4] }],
        outputs: [{ name: 'scores', dtype: 'float32', dims: [-1, 3] }],
      }),
      'batching: batched (every input and output has a dynamic first dimension)',
    ]);
    expect(lines[0]).toContain("inputs['inputs'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 4)");
    await expect(inspect([join(dir, 'not-a-model.onnx')])).rejects.toThrow('Could not load the model as ONNX');
    await expect(inspect([join(dir, 'missing.onnx')])).rejects.toThrow('missing.onnx: no such file');
  });
});

describe('parseArgs', () => {
  it('separates positionals, options and flags', () => {
    const a = parseArgs(['x', '--to', 's3://b', '--force', '-', '--model=m'], { options: ['to', 'model'], flags: ['force'] });
    expect(a.positional).toEqual(['x', '-']);
    expect(Object.fromEntries(a.options)).toEqual({ to: 's3://b', model: 'm' });
    expect([...a.flags]).toEqual(['force']);
    expect(() => parseArgs(['--to'], { options: ['to'] })).toThrow('--to needs a value');
    expect(() => parseArgs(['--force=1'], { flags: ['force'] })).toThrow('--force takes no value');
  });
});

describe('local staging', () => {
  it('leaves no version folder, partial or staged, when a copy fails', async () => {
    const files = [
      { path: 'model.onnx', file: join(dir, 'a.onnx'), size: A },
      { path: 'gone.bin', file: join(dir, 'gone.bin'), size: 1 }, // vanished after it was hashed
    ];
    const manifest = new TextEncoder().encode('{}');
    await expect(localRepository(repo).writeVersion('v', 1, files, manifest, () => () => {})).rejects.toThrow('ENOENT');
    expect(readdirSync(join(repo, 'v'))).toEqual([]);
    expect(existsSync(join(repo, 'v', '1'))).toBe(false);
  });
});
