import type { VersionStatus } from '../manager/servable.ts';
import type { Signature } from '../tensor/tensor.ts';
import { signatureDefMap } from '../tensor/signature-def.ts';

/**
 * JSON bodies of the status and metadata APIs, shaped like TF Serving's protobuf JSON
 * (docs/tf-serving-compat.md sections 7 and 8): int64 fields as strings, default values printed.
 */
export function statusBody(statuses: VersionStatus[]): string {
  return JSON.stringify(
    {
      model_version_status: statuses.map((s) => ({
        version: String(s.version),
        state: s.state,
        status: { error_code: s.error ? s.error.code : 'OK', error_message: s.error ? s.error.message : '' },
      })),
    },
    null,
    1,
  );
}

export function metadataBody(model: string, version: number, signature: Signature): string {
  return JSON.stringify(
    {
      model_spec: { name: model, signature_name: '', version: String(version) },
      metadata: { signature_def: signatureDefMap(signature, 'json') },
    },
    null,
    1,
  );
}
