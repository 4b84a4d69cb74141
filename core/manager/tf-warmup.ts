import { failedPrecondition } from '../errors.ts';
import { decodePredictRequest, type PredictRequestMsg } from '../tensor/proto/predict.ts';
import { LENGTH_DELIMITED, WireError, WireReader, tagOf } from '../tensor/proto/wire.ts';

/*
 * TF Serving's warmup file, `<version>/assets.extra/tf_serving_warmup_requests`: a TFRecord file
 * of PredictionLog records (tensorflow_serving/apis/prediction_log.proto). Each record is
 *   uint64 length (little-endian) | uint32 masked CRC-32C of the length | data | uint32 masked CRC-32C of data
 * and each PredictionLog here must be a predict_log (field 6) whose request (field 1) is a
 * PredictRequest; classify, regress, multi-inference and session-run logs are refused by name,
 * since this server would not replay them the way TF Serving does. Corrupt records (a CRC that
 * does not match, a truncated file) are refused too. Pure; errors are FAILED_PRECONDITION naming
 * the record.
 */
export { TF_WARMUP_FILE } from '../repository/version-files.ts';

const LOG_TYPES: Record<number, string> = { 2: 'classify_log', 3: 'regress_log', 4: 'multi_inference_log', 5: 'session_run_log', 6: 'predict_log' };

export function parseTfWarmup(bytes: Uint8Array, where: string): PredictRequestMsg[] {
  return readTfRecords(bytes, where).map((record, i) => {
    try {
      return predictRequestOf(record);
    } catch (err) {
      const message = err instanceof WireError ? `not a PredictionLog: ${err.message}` : (err as Error).message;
      throw failedPrecondition(`${where}: record ${i}: ${message}`);
    }
  });
}

export function readTfRecords(bytes: Uint8Array, where: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  for (let pos = 0; pos < bytes.byteLength; ) {
    const at = `${where}: record ${records.length}`;
    if (pos + 12 > bytes.byteLength) throw failedPrecondition(`${at}: truncated header`);
    const length = Number(view.getBigUint64(pos, true));
    if (maskedCrc32c(bytes.subarray(pos, pos + 8)) !== view.getUint32(pos + 8, true)) throw failedPrecondition(`${at}: corrupt length (CRC mismatch)`);
    const start = pos + 12;
    if (start + length + 4 > bytes.byteLength) throw failedPrecondition(`${at}: truncated data`);
    const data = bytes.subarray(start, start + length);
    if (maskedCrc32c(data) !== view.getUint32(start + length, true)) throw failedPrecondition(`${at}: corrupt data (CRC mismatch)`);
    records.push(data);
    pos = start + length + 4;
  }
  return records;
}

function predictRequestOf(record: Uint8Array): PredictRequestMsg {
  const r = new WireReader(record);
  let request: PredictRequestMsg | null = null;
  while (!r.done()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (tag === tagOf(6, LENGTH_DELIMITED)) {
      const log = r.message();
      while (!log.done()) {
        const t = log.tag();
        if (t === tagOf(1, LENGTH_DELIMITED)) request = decodePredictRequest(log.bytes());
        else log.skip(t & 7);
      }
    } else if (LOG_TYPES[field]) {
      throw new Error(`${LOG_TYPES[field]} records are not supported as warmup (only predict_log)`);
    } else r.skip(tag & 7);
  }
  if (!request) throw new Error('no predict_log.request');
  return request;
}

let table: Uint32Array | null = null;

/** TFRecord's masked CRC-32C (Castagnoli). */
export function maskedCrc32c(bytes: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const b of bytes) crc = table[(crc ^ b) & 0xff] ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
