import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzip, zipEntries, type ZipEntry } from './zip-listing.ts';

// serverless.yml as the Serverless Framework reads it, through osls (the v3 fork that needs no
// login and no network): `npx osls package` and `npx osls invoke local`, exactly as documented.
const run = promisify(execFile);
const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
const osls = (args: string[]) => run('npx', ['--no-install', 'osls', ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });

let out: string;
let entries: ZipEntry[];
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'edgeserve-osls-'));
  await osls(['package', '--package', out]);
  entries = zipEntries(join(out, 'edgeserve.zip'));
  template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npx osls package', () => {
  it('stays under the 250 MB unzipped limit with the Linux onnxruntime binaries only', () => {
    const bytes = entries.reduce((sum, e) => sum + e.size, 0);
    console.log(`edgeserve.zip: ${entries.length} files, ${(bytes / 1024 ** 2).toFixed(1)} MiB unzipped`);
    expect(bytes).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
    const names = entries.map((e) => e.name);
    expect(names).toContain('dist/aws-lambda/handler.js');
    expect(names).toContain('dist/aws-lambda/package.json');
    for (const arch of ['x64', 'arm64']) {
      expect(names).toContain(`node_modules/onnxruntime-node/bin/napi-v6/linux/${arch}/onnxruntime_binding.node`);
      expect(names).toContain(`node_modules/onnxruntime-node/bin/napi-v6/linux/${arch}/libonnxruntime.so.1`);
    }
    expect(names).toContain('node_modules/onnxruntime-common/dist/cjs/index.js');
    expect(names).toContain('node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    expect(names).toContain('node_modules/@jsquash/webp/codec/dec/webp_dec.wasm');
    expect(names.filter((n) => /darwin|win32|\.d\.ts$|\.map$|^(core|functions|test|models)\//.test(n))).toEqual([]);
  });

  it('describes the function, its routes, its URL and a read-only policy on the model prefix', () => {
    const resources = Object.values(template.Resources);
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function')!.Properties;
    expect(fn).toMatchObject({ Handler: 'dist/aws-lambda/handler.handler', Runtime: 'nodejs22.x', Architectures: ['x86_64'], EphemeralStorage: { Size: 2048 } });
    expect(fn.Environment.Variables).toMatchObject({ MODEL_BASE_PATH: 's3://edgeserve-models/models', TMP_CACHE_DIR: '/tmp/edgeserve-models' });
    expect(resources.some((r) => r.Type === 'AWS::Lambda::Url')).toBe(true);
    const routes = resources.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(['ANY /v1/{proxy+}', 'GET /healthz', 'GET /monitoring/prometheus/metrics', 'GET /readyz']);
    const role = resources.find((r) => r.Type === 'AWS::IAM::Role')!.Properties;
    const s3 = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement).filter((s: any) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::edgeserve-models/models/*' },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::edgeserve-models', Condition: { StringLike: { 's3:prefix': ['models/*'] } } },
    ]);
  });

  it('runs on its own, unpacked as Lambda unpacks it (nothing from the repository)', async () => {
    const task = join(out, 'task');
    unzip(join(out, 'edgeserve.zip'), task);
    const script = [
      "import { readFileSync } from 'node:fs';",
      "const { handler } = await import('./dist/aws-lambda/handler.js');",
      'const event = JSON.parse(readFileSync(process.env.EVENT, "utf8"));',
      'console.log(JSON.stringify(await handler(event, {})));',
    ].join('\n');
    const env = { ...process.env, MODEL_BASE_PATH: join(process.cwd(), 'models'), MODEL_NAME: 'half_plus_two', EVENT: join(process.cwd(), 'test/lambda/events/http-api-v2-predict.json') };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: task, env, timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.statusCode, result.body).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
  }, 60_000);
});

describe('npx osls invoke local', () => {
  it('runs the bundled handler on an event file', async () => {
    const args = ['invoke', 'local', '-f', 'api', '-p', 'test/lambda/events/http-api-v2-predict.json', '-e', 'MODEL_BASE_PATH=models', '-e', 'MODEL_NAME=half_plus_two'];
    const { stdout } = await osls(args);
    const result = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(result).toMatchObject({ statusCode: 200, headers: { 'x-model-name': 'half_plus_two', 'x-model-version': '1' } });
    expect(JSON.parse(result.body)).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
  }, 120_000);
});
