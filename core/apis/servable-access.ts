import type { Servable } from '../manager/servable.ts';
import { runLeased } from '../manager/lease-run.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ApiCall, ApiServices, Ran, Target } from './call.ts';
import { monotonicNow } from '../clock.ts';
import { inSpan } from '../trace/spans.ts';

/**
 * The two ways an API reaches a servable, each recording on the call what it reached (call.ts):
 * - runOn: lease the version the target (and the call's routing key) resolves to, prepare inputs
 *   on it (decoding against its signature, which may throw), run them through the instance's
 *   RunFn within the call's deadline, release the lease when the run settles (lease-run.ts).
 * - withServable: lease the version the target resolves to (no routing key: metadata and
 *   readiness describe what the target pins) for a synchronous look, then release it.
 * Both wait for a load within the call's deadline.
 */
export interface Run extends Ran {
  servable: Servable;
  outputs: Record<string, Tensor>;
}

export async function runOn(services: ApiServices, call: ApiCall, target: Target, prepare: (servable: Servable) => Record<string, Tensor>): Promise<Run> {
  const pick = { version: target.version, label: target.label, routingKey: call.routingKey };
  const acquire = () => services.manager.acquire(target.model, pick, { timeoutMs: call.timeLeft(), signal: call.signal });
  const lease = await (call.span ? inSpan(call.span, 'acquire', monotonicNow, acquire) : acquire());
  const { servable, label } = lease;
  call.ran = { model: servable.model, version: servable.version, label, inference: true };
  const inputsOf = (s: Servable) => {
    const inputs = prepare(s);
    call.io = { inputs, inputSpecs: s.session.signature.inputs };
    return inputs;
  };
  const outputs = await runLeased(lease, services.run, inputsOf, call.timeLeft(), call.signal, call.span);
  call.io!.outputs = outputs;
  services.shadow?.offer(servable.model, servable.version, call.io!.inputs, outputs);
  return { model: servable.model, version: servable.version, label, servable, outputs };
}

export async function withServable<T>(services: ApiServices, call: ApiCall, target: Target, look: (servable: Servable) => T): Promise<T> {
  const lease = await services.manager.acquire(target.model, target, { timeoutMs: call.timeLeft(), signal: call.signal });
  try {
    call.ran = { model: lease.servable.model, version: lease.servable.version, inference: false };
    return look(lease.servable);
  } finally {
    lease.release();
  }
}
