import { AmphiError } from '@amphi/protocol';

/** How one user-written text field is checked (poll question, poll option, Q&A question). */
export interface TextRule {
  /** Name used in the error detail ("Question", "Option 2"). */
  field: string;
  /** Most characters allowed, counted in code points (an emoji counts once). */
  max: number;
  /** Whether line breaks and tabs are allowed (default false). */
  multiline?: boolean;
}

/**
 * Normalizes and checks a text a person typed: line endings unified, NFC, trimmed, not empty,
 * at most `max` characters, no control characters (other than line breaks and tabs where
 * multiline), no bidirectional overrides, which can make a text display as something else,
 * and no lone surrogates (not text, and not storable as UTF-8).
 * Runs of blank lines are collapsed so a short text cannot fill a screen. Returns the clean text.
 */
export function cleanText(value: unknown, rule: TextRule): string {
  if (typeof value !== 'string') throw new AmphiError('VALIDATION_FAILED', `${rule.field} must be text.`);
  // Refuse a huge input before normalizing it (the edge caps frames, but this rule stands alone).
  if (value.length > rule.max * 4) throw new AmphiError('VALIDATION_FAILED', `${rule.field} is longer than ${rule.max} characters.`);
  let text = value.replace(/\r\n?/g, '\n').normalize('NFC').trim();
  if (rule.multiline) text = text.replace(/\n{3,}/g, '\n\n');
  if (text.length === 0) throw new AmphiError('VALIDATION_FAILED', `${rule.field} is empty.`);
  let length = 0;
  for (const char of text) {
    length++;
    const code = char.codePointAt(0)!;
    if ((code === 0x0a || code === 0x09) && rule.multiline) continue;
    if (isForbidden(code)) throw new AmphiError('VALIDATION_FAILED', `${rule.field} contains a character that is not allowed (a control or bidirectional one).`);
  }
  if (length > rule.max) throw new AmphiError('VALIDATION_FAILED', `${rule.field} is longer than ${rule.max} characters.`);
  return text;
}

function isForbidden(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    // Bidirectional embeddings, overrides and isolates (the "Trojan source" characters).
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    // A surrogate seen alone: iterating by code point joins every valid pair.
    (code >= 0xd800 && code <= 0xdfff)
  );
}
