import type { ModelCaller } from '../pipeline/chain.ts';
import type { ApiServices } from './call.ts';
import { runOn } from './servable-access.ts';

/**
 * How a chain's steps (core/pipeline/chain.ts) reach the other models of the instance: each step
 * leases its model's servable and runs through the instance's RunFn, as a request would, so the
 * step's model batches across every chain and client calling it, within the chain's deadline.
 * `services` is read on use: the manager that loads chains is built before the services exist.
 */
export function modelCaller(services: () => ApiServices): ModelCaller {
  return {
    loading: new Map(),
    async resolve(target) {
      const lease = await services().manager.acquire(target.model, target, { timeoutMs: Infinity });
      try {
        return { signature: lease.servable.session.signature, chain: lease.servable.session.chain === true };
      } finally {
        lease.release();
      }
    },
    async run(target, inputs, context) {
      const call = { timeLeft: context.timeLeft ?? (() => Infinity), signal: context.signal, model: target.model, span: context.span };
      return (await runOn(services(), call, target, () => inputs)).outputs;
    },
  };
}
