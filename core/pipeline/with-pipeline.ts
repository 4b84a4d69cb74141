import type { Session } from '../backend/backend.ts';
import { failedPrecondition } from '../errors.ts';
import type { VersionFiles } from '../repository/version-files.ts';
import { resolveTargets, type ModelCaller, type NamedStep } from './chain.ts';
import { parsePipeline, pipelineTargets } from './declaration.ts';
import type { ImageCodecs } from './image.ts';
import { pipelineSession } from './pipeline-session.ts';

/** What a target gives pipelines: image decoders, the way to other models for chains, the named steps built in. */
export interface PipelineParts {
  imageCodecs?: ImageCodecs;
  models?: ModelCaller;
  namedSteps?: Readonly<Record<string, NamedStep>>;
}

/**
 * The version's session behind its pipeline.json, for the loader (core/manager/loader.ts), which
 * imports this module only for a version that has one. A declaration that does not fit the model
 * (or, for a chain, the models its steps name, resolved and loaded now), or image inputs on a
 * target without image decoders, fails the load; the session is released then.
 */
export async function withPipeline(session: Session, files: VersionFiles, parts: PipelineParts, model: string, where: string): Promise<Session> {
  try {
    const fail = (what: string, message: string) => failedPrecondition(`${where}: ${what}: ${message}`);
    const models = await resolveTargets(model, pipelineTargets(files.pipeline!, where), parts.models, fail);
    const pipeline = parsePipeline(files.pipeline!, session.signature, where, files.assets, { models, named: parts.namedSteps ?? {} });
    if (pipeline.inputs.some((i) => i.kind === 'image') && !parts.imageCodecs) throw failedPrecondition(`${where}: this target has no image decoder`);
    return pipelineSession(session, pipeline, files.labels, parts.imageCodecs ?? NO_CODECS, parts.models);
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** Never called: withPipeline refuses image inputs without decoders; text-only pipelines need none. */
const NO_CODECS: ImageCodecs = { jpeg: () => Promise.reject(new Error('no image decoder')), webp: () => Promise.reject(new Error('no image decoder')) };
