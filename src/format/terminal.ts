/**
 * The terminal boundary: text from articles and from Discord members (titles, passages, questions,
 * file names in messages) is shown to the operator's terminal only through these functions.
 *
 * An article or a question containing `ESC]0;…BEL` (retitle the window), `ESC[2J` (clear the
 * screen) or U+202E (reverse what follows) would otherwise act on the operator's terminal. What is
 * stored stays as the source wrote it (it is data; Discord shows it harmlessly); it is escaped here:
 *  - C0 controls other than tab and newline, DEL, and C1 controls become visible caret or
 *    `<U+XXXX>` forms (`^[` for ESC, `^G` for BEL, `<U+009B>`), so the text can still be read;
 *  - bidirectional overrides, embeddings, isolates and marks become `<U+202E>`-style forms.
 * JSON output keeps the data exact: JSON already escapes C0 controls, and these functions make it
 * escape C1 and bidi controls too (`\u202e`), which any JSON reader turns back into the character.
 */

/** C0 (except tab and newline), DEL, C1, and the bidi controls. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw of the above: C1 (incl. DEL) and bidi controls. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function hex(ch: string): string {
  return ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
}

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`; // ESC → ^[, BEL → ^G, CR → ^M
  return `<U+${hex(ch)}>`;
}

/** `text` with every control and bidi character made visible and inert. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** A copy of `value` (plain objects, arrays, strings) with every string passed through escapeForTerminal. */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return escapeForTerminal(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terminalSafe(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terminalSafe(v)])) as T;
  }
  return value;
}

/** JSON.stringify whose output is also safe to print: C1 and bidi controls as \u escapes. */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (ch) => `\\u${hex(ch).toLowerCase()}`);
}

// Styles are written as private-use placeholders and become escape codes only in toTerminal,
// after the text has been escaped, so no escape code from the data can reach the terminal.
export const STYLE_BOLD_ON = '\ue010';
export const STYLE_DIM_ON = '\ue011';
/** Ends bold and dim (SGR 22). */
export const STYLE_OFF = '\ue012';
const STYLE_CODES: Record<string, string> = {
  [STYLE_BOLD_ON]: '\u001b[1m',
  [STYLE_DIM_ON]: '\u001b[2m',
  [STYLE_OFF]: '\u001b[22m',
};

/** The text to write to a terminal or pipe: escaped, then the style placeholders as ANSI codes (or dropped without colour). */
export function toTerminal(text: string, color: boolean): string {
  return escapeForTerminal(text).replace(/[\ue010-\ue012]/g, (mark) => (color ? STYLE_CODES[mark]! : ''));
}
