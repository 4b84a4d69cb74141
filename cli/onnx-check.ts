import { open, type FileHandle } from 'node:fs/promises';
import { FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, WireError, WireReader } from '../core/tensor/proto/wire.ts';

/**
 * A cheap structural check that a file is an ONNX ModelProto, before `edgeserve push` uploads it:
 * the top-level fields must parse as protobuf and include ir_version (field 1) and a graph (field
 * 7) whose fields parse too and declare an output (GraphProto field 12). Reads only field headers
 * (a few bytes per field, never the weights), so multi-GB models cost nothing. It catches the
 * wrong file (labels.txt, a .pb, a zip); a model onnxruntime cannot run still fails at load.
 * Returns null when the file passes, else why not.
 */
export async function onnxProblem(file: string): Promise<string | null> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const model = await fields(handle, 0, size);
    if (!model.has(1)) return 'it has no ir_version';
    const graph = model.get(7);
    if (!graph) return 'it has no graph';
    if (!(await fields(handle, graph.start, graph.end)).has(12)) return 'its graph has no outputs';
    return null;
  } catch (err) {
    if (err instanceof WireError) return `it does not parse as protobuf (${err.message})`;
    throw err;
  } finally {
    await handle.close();
  }
}

interface Field {
  start: number;
  end: number;
}

/** The fields of the message in [start, end): field number -> the last one's payload range. */
async function fields(handle: FileHandle, start: number, end: number): Promise<Map<number, Field>> {
  const found = new Map<number, Field>();
  const head = new Uint8Array(24); // a tag and a length: at most 5 + 10 bytes
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await handle.read(head, 0, Math.min(head.length, end - pos), pos);
    const r = new WireReader(head, 0, bytesRead);
    const tag = r.tag();
    const type = tag & 7;
    let payload: Field;
    if (type === LENGTH_DELIMITED) {
      const length = Number(r.uint64());
      payload = { start: pos + r.pos, end: pos + r.pos + length };
    } else if (type === VARINT || type === FIXED64 || type === FIXED32) {
      r.skip(type);
      payload = { start: pos, end: pos + r.pos };
    } else {
      throw new WireError(`unsupported wire type ${type} at byte ${pos}`);
    }
    if (payload.end > end) throw new WireError(`truncated message at byte ${pos}`);
    found.set(tag >>> 3, payload);
    pos = payload.end;
  }
  return found;
}
