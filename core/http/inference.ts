import { invalidArgument, quoted } from '../errors.ts';
import { TensorBudget } from '../tensor/budget.ts';
import { runLeased, type RunFn } from '../manager/lease-run.ts';
import { deadlineAfter } from '../deadline.ts';
import type { Manager } from '../manager/manager.ts';
import { examplesToInputs, readExamplesBody } from '../tensor/tf-example/decode.ts';
import { encodeClassifyResponse, encodeRegressResponse } from '../tensor/tf-example/encode.ts';
import { decodeInputs, readPredictBody } from '../tensor/json/decode.ts';
import { encodeJsonPredictResponseBytes } from '../tensor/json/encode.ts';
import { parseJson } from '../tensor/json/parse.ts';
import { DEFAULT_SIGNATURE } from '../tensor/tensor.ts';
import { MODEL_LABEL_HEADER, ROUTING_KEY_HEADER } from '../version/traffic.ts';
import { handleBinaryPredict, isProtobufRequest } from './binary-predict.ts';
import { readBodyText } from './body.ts';
import type { HttpRequest, HttpResponse } from './exchange.ts';
import type { ModelPath } from './path.ts';

export interface InferenceContext {
  manager: Manager;
  maxBodyBytes: number;
  /** Bytes one request's input tensors may take in all (core/tensor/budget.ts). */
  maxTensorBytes: number;
  timeoutMs: number;
  run: RunFn;
  /** Binary predict writes outputs as tensor_content (--enable_serialization_as_tensor_content). */
  tensorContent?: boolean;
}

/** Tells the caller which version answered, and through which label if any (for metrics). */
export type RanVersion = (version: number, label?: string) => void;

/**
 * :predict, :classify and :regress in TF Serving's processing order (docs/tf-serving-compat.md section 3):
 * parse body, read signature_name, resolve the servable, decode against its signature, run, encode.
 * `ctx` is built once per app; `ranVersion` is the request's.
 */
export async function handleInference(req: HttpRequest, path: ModelPath, ctx: InferenceContext, ranVersion: RanVersion): Promise<HttpResponse> {
  if (isProtobufRequest(req)) return handleBinaryPredict(req, path, ctx, ranVersion);
  const json = parseJson(await readBodyText(req, ctx.maxBodyBytes));
  const request = path.api === 'predict' ? readPredictBody(json) : readExamplesBody(json, path.api as 'classify' | 'regress');
  // One deadline for the wait for the model (listing, download, load) and the run together.
  const timeLeft = deadlineAfter(ctx.timeoutMs);
  const routingKey = req.header(ROUTING_KEY_HEADER);
  const lease = await ctx.manager.acquire(path.model, { version: path.version, label: path.label, routingKey }, { timeoutMs: timeLeft(), signal: req.signal });
  const { servable, label } = lease;
  const { signature } = servable.session;
  const outputs = await runLeased(
    lease,
    ctx.run,
    () => {
      ranVersion(servable.version, label);
      if (request.signatureName !== DEFAULT_SIGNATURE) {
        throw invalidArgument(
          path.api === 'predict'
            ? `Serving signature name: "${quoted(request.signatureName)}" not found in signature def`
            : `No signature was found with the name: ${quoted(request.signatureName)}`,
        );
      }
      return 'format' in request ? decodeInputs(request, signature, new TensorBudget(ctx.maxTensorBytes)) : examplesToInputs(request.examples, signature);
    },
    timeLeft(),
    req.signal,
  );
  const body =
    'format' in request
      ? encodeJsonPredictResponseBytes(request.format, outputs, signature.outputs.map((o) => o.name))
      : path.api === 'classify'
        ? encodeClassifyResponse(outputs, signature, servable.labels)
        : encodeRegressResponse(outputs, signature);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-model-name': servable.model, 'x-model-version': String(servable.version) };
  if (label !== undefined) headers[MODEL_LABEL_HEADER] = label;
  return { status: 200, headers, body };
}
