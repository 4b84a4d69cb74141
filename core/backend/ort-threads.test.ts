import { describe, expect, it } from 'vitest';
import { parseFlags } from '../config/flags.ts';
import { ortThreadOptions } from './ort-threads.ts';

describe('ortThreadOptions', () => {
  it('leaves the thread counts to onnxruntime by default and turns spinning off', () => {
    expect(ortThreadOptions({ intraOp: 0, interOp: 0, spinning: false })).toEqual({
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  });

  it('maps TF Serving parallelism flags onto onnxruntime options', () => {
    const flags = parseFlags(
      ['--model_base_path=/m', '--tensorflow_intra_op_parallelism=2', '--tensorflow_inter_op_parallelism=3', '--onnxruntime_allow_spinning'],
      {},
    );
    const options = ortThreadOptions({ intraOp: flags.tensorflowIntraOpParallelism, interOp: flags.tensorflowInterOpParallelism, spinning: flags.onnxruntimeAllowSpinning });
    expect(options).toMatchObject({ intraOpNumThreads: 2, interOpNumThreads: 3, executionMode: 'parallel' });
    expect(options.extra).toEqual({ session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } } });
  });

  it('turns prepacking off when --onnxruntime_prepacking=false', () => {
    const flags = parseFlags(['--model_base_path=/m', '--onnxruntime_prepacking=false'], {});
    expect(flags.onnxruntimePrepacking).toBe(false);
    expect(ortThreadOptions({ intraOp: 0, interOp: 0, spinning: false, prepacking: flags.onnxruntimePrepacking }).extra).toEqual({
      session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' }, disable_prepacking: '1' },
    });
  });

  it('refuses a thread count that is not a small whole number', () => {
    expect(() => parseFlags(['--model_base_path=/m', '--tensorflow_intra_op_parallelism=-1'], {})).toThrow(/thread count/);
  });
});
