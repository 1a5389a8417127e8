/// <reference lib="es2024.string" />
import { reject, type RejectReason } from './reasons';

/** client_id, url.topic and url.page hold at most this many bytes of UTF-8. */
export const MAX_FIELD_BYTES = 1024;

/**
 * What a message's decoded text says about its strings' bytes: all ASCII without escapes (one
 * byte per UTF-16 unit), valid UTF-8 without escapes (no lone surrogates possible), or escaped
 * (a `\u` escape can produce any UTF-16 unit, lone surrogates included).
 */
export type TextForm = 'ascii' | 'utf8' | 'escaped';

/** True when `value` can be stored as a required text field of a message of this form. */
export function isUsableText(value: unknown, form: TextForm): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    (form !== 'escaped' || value.isWellFormed()) &&
    !isTooLong(value, form)
  );
}

/** Why `value` failed isUsableText, with out.detail set; only called for rejected messages. */
export function unusableTextReason(value: unknown, name: string, out: { detail: string }): RejectReason {
  const notAString = notAStringReason(value, name, out);
  if (notAString !== null) return notAString;
  const text = value as string;
  if (!text.isWellFormed()) return reject(out, 'invalid_utf8', `${name} contains a lone surrogate`);
  const bytes = Buffer.byteLength(text, 'utf8');
  return reject(out, 'field_too_long', `${name} is ${bytes} bytes of UTF-8, over ${MAX_FIELD_BYTES}`);
}

/** The reason `value` is missing, not a string, or empty (with out.detail set), else null. */
export function notAStringReason(value: unknown, name: string, out: { detail: string }): RejectReason | null {
  if (value === undefined) return reject(out, 'missing_field', `${name} is missing`);
  if (typeof value !== 'string') return reject(out, 'wrong_type', `${name} is ${describeType(value)}, not a string`);
  if (value.length === 0) return reject(out, 'empty_field', `${name} is empty`);
  return null;
}

/** 'null', 'an array', 'a number', ... for details. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isTooLong(text: string, form: TextForm): boolean {
  // A UTF-16 unit takes 1 to 3 bytes of UTF-8 (a surrogate pair 4 for 2 units).
  if (text.length > MAX_FIELD_BYTES) return true;
  if (form === 'ascii' || text.length * 3 <= MAX_FIELD_BYTES) return false;
  return Buffer.byteLength(text, 'utf8') > MAX_FIELD_BYTES;
}
