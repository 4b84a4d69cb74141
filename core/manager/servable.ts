import type { Session } from '../backend/backend.ts';
import type { ServingError } from '../errors.ts';

/** One loaded version of one model. Immutable once AVAILABLE. */
export interface Servable {
  readonly model: string;
  readonly version: number;
  readonly session: Session;
  /** Class labels from the version's labels.txt, for :classify; null when absent. */
  readonly labels: string[] | null;
  /** Bytes charged against the cache budget (the model file's size). */
  readonly bytes: number;
}

/** TF Serving's ModelVersionStatus.State names. */
export type VersionState = 'START' | 'LOADING' | 'AVAILABLE' | 'UNLOADING' | 'END';

/** What the status API reports per version. */
export interface VersionStatus {
  version: number;
  state: VersionState;
  error: ServingError | null;
}

/** A servable handed to one request; release() exactly once when the request is done with it. */
export interface Lease {
  readonly servable: Servable;
  /** The label the request asked for or was routed to (model.json "traffic"); absent otherwise. */
  readonly label?: string;
  release(): void;
}
