import { defaultBatchingParameters, parseBatchingParameters, type BatchingParameters } from '../config/batching.ts';
import { pollIntervalMs, type ServerFlags } from '../config/flags.ts';
import { defaultMaxTensorBytes } from '../tensor/budget.ts';
import type { ServiceSettings } from './create-service.ts';

/**
 * From the flag table (however a target read it: command line or variables) to the settings of
 * createService. Every target goes through here, so a flag means the same thing everywhere.
 * `batching` is the global BatchingParameters when --enable_batching is on (see batchingFrom), else null.
 */
export function settingsFromFlags(flags: ServerFlags, batching: BatchingParameters | null): ServiceSettings {
  return {
    cacheBytes: flags.cacheBytes,
    pollIntervalMs: pollIntervalMs(flags.fileSystemPollWaitSeconds),
    maxModelBytes: flags.maxModelBytes,
    apiKeys: flags.apiKeys,
    maxBodyBytes: flags.maxBodyBytes,
    maxTensorBytes: flags.maxTensorBytes ?? defaultMaxTensorBytes(flags.maxBodyBytes),
    timeoutMs: flags.restApiTimeoutInMs,
    cors: flags.restApiEnableCorsSupport,
    tensorContent: flags.enableSerializationAsTensorContent,
    batching,
    requestLog: { mode: flags.requestLog, sampleRate: flags.requestLogSampleRate },
  };
}

/**
 * The global batching parameters: the text of a BatchingParameters file (`where` names it in
 * errors), or TF Serving's defaults when there is none. One batch thread per servable by default:
 * onnxruntime-node's run() holds the event loop and a WASM run blocks its isolate, so a second
 * concurrent run of one session adds nothing in one process.
 */
export function batchingFrom(text: string | undefined, where: string): BatchingParameters {
  const defaults = { numBatchThreads: 1 };
  return text !== undefined ? parseBatchingParameters(text, where, defaults) : defaultBatchingParameters(defaults);
}
