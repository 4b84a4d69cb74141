import * as ort from 'onnxruntime-node';
import type { Backend } from '../../core/backend/backend.ts';
import { ortBackend, type OrtModule } from '../../core/backend/ort-session.ts';
import { ortThreadOptions } from '../../core/backend/ort-threads.ts';
import type { ServerFlags } from '../../core/config/flags.ts';

// onnxruntime's native library sends Microsoft telemetry unless this is set before its first
// session: it reads the machine's ids and leaves an empty /tmp/mat-debug-<pid>.log behind every
// process (each Lambda cold start, each CLI run). The server turns it off; a value the operator
// sets is kept (docs/server.md).
process.env.ORT_DISABLE_TELEMETRY ||= '1';

/**
 * Leaf: onnxruntime-node on CPU (or CUDA when executionProviders asks for it). Entry points only.
 * Threads follow the server's flags (ortThreadOptions); intraOpNumThreads overrides them (tests).
 */
export function onnxruntimeNode(options: { executionProviders?: string[]; intraOpNumThreads?: number; flags?: ThreadFlags } = {}): Backend {
  return ortBackend('onnxruntime-node', ort as unknown as OrtModule, {
    ...nodeThreadOptions(options.flags),
    executionProviders: options.executionProviders ?? ['cpu'],
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
  }, { opensFiles: true });
}

export type ThreadFlags = Pick<ServerFlags, 'tensorflowIntraOpParallelism' | 'tensorflowInterOpParallelism' | 'onnxruntimeAllowSpinning' | 'onnxruntimePrepacking'>;

/** The flags' thread settings as session options; no flags: the flags' defaults (no spinning). */
export function nodeThreadOptions(flags?: ThreadFlags) {
  return ortThreadOptions({
    intraOp: flags?.tensorflowIntraOpParallelism ?? 0,
    interOp: flags?.tensorflowInterOpParallelism ?? 0,
    spinning: flags?.onnxruntimeAllowSpinning ?? false,
    prepacking: flags?.onnxruntimePrepacking ?? true,
  });
}
