// A local Serverless Framework plugin (serverless.yml `plugins`): bundles the Lambda handler with
// esbuild before `package`, `deploy` and `invoke local`, so those commands never run stale code
// and need nothing but this repository. osls and serverless v3/v4 load it the same way.
//
// Output: dist/aws-lambda/handler.js (ESM, everything bundled but onnxruntime, whose native
// binaries are packaged from node_modules per serverless.yml's patterns) and a package.json that
// marks the folder as ESM for Lambda's Node runtime.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ENTRY = 'functions/aws-lambda/handler.ts';
export const OUT_DIR = 'dist/aws-lambda';

/** Bundles the handler into `<root>/dist/aws-lambda`; returns the output file. */
export async function bundleHandler(root = process.cwd()) {
  const outdir = join(root, OUT_DIR);
  await mkdir(outdir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    outfile: join(outdir, 'handler.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // onnxruntime-node loads a native addon by a computed path; onnxruntime-common must be the
    // copy it registers its backend with. Both come from the packaged node_modules.
    external: ['onnxruntime-node', 'onnxruntime-common'],
    // Bundled CommonJS dependencies (the AWS SDK's) call require() for Node built-ins.
    banner: { js: "import { createRequire as __edgeserveRequire } from 'node:module'; const require = __edgeserveRequire(import.meta.url);" },
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await writeFile(join(outdir, 'package.json'), '{ "type": "module" }\n');
  return join(outdir, 'handler.js');
}

export default class EdgeserveBuild {
  constructor(serverless) {
    const root = serverless.serviceDir ?? serverless.config.servicePath;
    const bundle = () => bundleHandler(root);
    this.hooks = {
      'before:package:createDeploymentArtifacts': bundle,
      'before:deploy:function:packageFunction': bundle,
      'before:invoke:local:invoke': bundle,
    };
  }
}
