import type { InferenceSession } from 'onnxruntime-common';

/**
 * onnxruntime's CPU thread settings, from TF Serving's flags (core/config/flags.ts):
 * --tensorflow_intra_op_parallelism (threads inside one operator, e.g. a MatMul; 0 = onnxruntime's
 * choice, one per physical core) and --tensorflow_inter_op_parallelism (operators run side by side;
 * 0 or 1 = sequential execution, which an MLP-like graph wants). Spinning is off unless asked
 * for: onnxruntime's intra-op pool otherwise busy-waits between runs, which on a small machine
 * takes a core away from the JS thread that parses and writes every request.
 * Prepacking (--onnxruntime_prepacking, on unless turned off): onnxruntime keeps a packed copy of
 * MatMul weights, faster for batches, but a second copy of weights it could map from disk.
 */
export interface OrtThreads {
  intraOp: number;
  interOp: number;
  spinning: boolean;
  prepacking?: boolean;
}

export function ortThreadOptions({ intraOp, interOp, spinning, prepacking = true }: OrtThreads): InferenceSession.SessionOptions {
  return {
    ...(intraOp > 0 ? { intraOpNumThreads: intraOp } : {}),
    ...(interOp > 1 ? { interOpNumThreads: interOp, executionMode: 'parallel' as const } : {}),
    extra: {
      session: {
        intra_op: { allow_spinning: spinning ? '1' : '0' },
        inter_op: { allow_spinning: spinning ? '1' : '0' },
        ...(!prepacking && { disable_prepacking: '1' }),
      },
    },
  };
}
