/** Why a message was rejected: counted per reason and written with its dead letter. */
export const REJECT_REASONS = [
  'too_large',
  'invalid_utf8',
  'invalid_json',
  'not_an_object',
  'missing_field',
  'wrong_type',
  'empty_field',
  'field_too_long',
  'bad_timestamp',
  'late', // set by the window stage in event clock, never by parsing
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** Records the human-readable detail on `out` and hands back the reason, for `return reject(...)`. */
export function reject(out: { detail: string }, reason: RejectReason, detail: string): RejectReason {
  out.detail = detail;
  return reason;
}
