/** Why a request was refused: the label of the `rejected` self-metric. */
export type RejectReason =
  | 'bad_data'
  | 'unsupported_media_type'
  | 'too_large'
  | 'unauthorized'
  | 'queue_full'
  | 'shutting_down'
  | 'not_found'
  | 'method_not_allowed'
  | 'internal';

/** A refused request: its HTTP status, a message for the sender, and the metric reason. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly reason: RejectReason;
  /** Seconds the sender should wait before retrying (429/503 only). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, reason: RejectReason, message: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
