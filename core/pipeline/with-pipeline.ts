import type { Session } from '../backend/backend.ts';
import { failedPrecondition } from '../errors.ts';
import type { VersionFiles } from '../repository/version-files.ts';
import { parsePipeline } from './declaration.ts';
import type { ImageCodecs } from './image.ts';
import { pipelineSession } from './pipeline-session.ts';

/**
 * The version's session behind its pipeline.json, for the loader (core/manager/loader.ts), which
 * imports this module only for a version that has one. A declaration that does not fit the model,
 * or image inputs on a target without image decoders, fails the load; the session is released then.
 */
export async function withPipeline(session: Session, files: VersionFiles, codecs: ImageCodecs | undefined, where: string): Promise<Session> {
  try {
    const pipeline = parsePipeline(files.pipeline!, session.signature, where, files.assets);
    if (pipeline.inputs.some((i) => i.kind === 'image') && !codecs) throw failedPrecondition(`${where}: this target has no image decoder`);
    return pipelineSession(session, pipeline, files.labels, codecs ?? NO_CODECS);
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** Never called: withPipeline refuses image inputs without decoders; text-only pipelines need none. */
const NO_CODECS: ImageCodecs = { jpeg: () => Promise.reject(new Error('no image decoder')) };
