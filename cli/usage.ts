/**
 * The usage text of each `edgeserve` subcommand, apart from the subcommands' code, so that
 * `edgeserve` (cli/main.ts) prints them, and starts a subcommand, without loading the others (the
 * AWS SDK for push, onnxruntime for inspect: a quarter of a second before `serve` could start).
 */
import { LABELS_FILE, WARMUP_FILE } from '../core/repository/version-files.ts';

export const PUSH_USAGE = `edgeserve push <model.onnx> [more files...] --model NAME [--version N] [--warmup FILE [--golden]] --to REPO [--s3_endpoint URL]
  Uploads a new version: <model.onnx> (checked to be an ONNX model) becomes model.onnx; more files (ONNX external data,
  ${LABELS_FILE}) keep their names. Writes manifest.json (sizes, sha256) last, so servers see the
  version only when it is complete. Without --version: one more than the highest version there.
  --warmup FILE becomes ${WARMUP_FILE}: requests servers run before the version serves; --golden first
  runs them here and records the outputs as expected, so servers refuse a version that answers otherwise.`;

export const LABEL_USAGE = `edgeserve label NAME LABEL=VERSION [LABEL=VERSION | LABEL= ...] --to REPO [--force] [--s3_endpoint URL]
  Points labels at versions in the model's model.json (LABEL= removes a label); servers pick the
  change up within their poll interval. Rolling back is the same command with the old version.
  Refuses versions that are not complete in the repository unless --force.`;

export const TRAFFIC_USAGE = `edgeserve traffic NAME LABEL=WEIGHT [LABEL=WEIGHT ...] | --off --to REPO [--max_error_rate R --min_requests N] [--s3_endpoint URL]
  Splits the model's unpinned requests between labels by weight (model.json "traffic"): stable=90 canary=10.
  --max_error_rate/--min_requests set the rollback guard: each server pulls a label whose version fails
  more than R of its requests (after N) out of the split. --off removes the split and the guard ("latest" again).
  Promote with \`edgeserve label NAME stable=V\` then \`traffic NAME stable=100\`; roll back with canary=0.`;

export const LS_USAGE = `edgeserve ls [NAME] --to REPO [--verify] [--s3_endpoint URL]
  Lists models (or one model): versions highest first, each one's state, its size from the
  manifest, the labels pointing at it, and model.json's policy. A version with a valid manifest is
  "unverified": its files are not read. --verify downloads every file and checks its size and
  sha256 against the manifest: "verified", or "corrupt" with the reason below the table.`;

export const INSPECT_USAGE = `edgeserve inspect <model.onnx>
  Shows the model's inputs and outputs (names, dtypes, shapes) as the server's metadata API and
  TF Serving's saved_model_cli show do; -1 is a dimension of any size. Then whether the batcher
  merges requests for it and why (with batch_axes from <model>/model.json when the file sits in a
  <model>/<version>/ folder).`;

export const REPLAY_USAGE = `edgeserve replay CAPTURES --model NAME --version N --to REPO [--tolerance T] [--warmup FILE] [--s3_endpoint URL]
  Runs captured requests (model.json "capture": a .jsonl file or a folder of them, as written under
  <model>/captures/) against version N of the model, as the server runs it (pipeline included), and
  reports per output how its answers differ from the captured ones: max absolute and relative
  difference, the share of requests over the tolerance (default 1e-5, relative as in ${WARMUP_FILE}),
  and for classifiers the share whose top class agrees. Captured failures are skipped.
  --warmup FILE writes the requests with version N's answers as ${WARMUP_FILE} golden outputs: push
  it with the next version (edgeserve push --warmup FILE) and servers refuse one that answers otherwise.`;
