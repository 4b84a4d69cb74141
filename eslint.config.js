// Lint holds the architecture rules only (no style rules): core/ is platform-free (Web standards),
// so its non-test files may not import Node, gRPC, protobufjs, onnxruntime-node, Cloudflare or
// anything from functions/, runtime/ or test/. tsc -p core checks the same for types.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const platformOnly = 'core/ is platform-free (Web standards only): import this from a runtime or functions/ leaf instead';

export default [
  {
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    languageOptions: { parser: tseslint.parser },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: platformOnly })),
          patterns: [
            { group: ['node:*', 'cloudflare:*'], message: platformOnly },
            { group: ['protobufjs', 'protobufjs/*', '@grpc/*', 'onnxruntime-node', 'onnxruntime-node/*'], message: platformOnly },
            { regex: '(^|/)(functions|runtime|test)(/|$)', message: 'core/ never imports functions/, runtime/ or test/' },
          ],
        },
      ],
      // no-restricted-imports does not see import(): hold dynamic imports to the same rule.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression > Literal[value=/^(node:|cloudflare:|protobufjs|@grpc\\/|onnxruntime-node)|(^|\\/)(functions|runtime|test)\\//]',
          message: platformOnly,
        },
      ],
    },
  },
];
