/**
 * Where a JSON text first goes wrong, as "line L, column C".
 *
 * V8's JSON.parse gives an offset for some mistakes ("… in JSON at position 42") but not for others:
 * on Node 20, `Unexpected token '}', "…" is not valid JSON` has no position (and quotes the text
 * itself, which can be megabytes), and "Unexpected end of JSON input" none either. So the place is
 * found by this small scanner, which follows the JSON grammar without building values, iteratively
 * (a document nested 100,000 deep can't overflow the stack).
 */

type Expect = 'value' | 'valueOrClose' | 'keyOrClose' | 'key' | 'colon' | 'after';

const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function skipSpace(text: string, at: number): number {
  WS.lastIndex = at;
  WS.exec(text);
  return WS.lastIndex;
}

/** End of the string starting at `at` (a quote), or -(offset of the error) - 1. */
function scanString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -i - 1;
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -(i + 2) - 1;
        i += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
      else return -(i + 1) - 1;
    }
  }
  return -text.length - 1;
}

/** End of the number, literal or string at `at`, or -(offset of the error) - 1. */
function scanScalar(text: string, at: number): number {
  const c = text[at]!;
  if (c === '"') return scanString(text, at);
  for (const word of ['true', 'false', 'null']) {
    if (c === word[0]) {
      for (let k = 1; k < word.length; k++) if (text[at + k] !== word[k]) return -(at + k) - 1;
      return at + word.length;
    }
  }
  NUMBER.lastIndex = at;
  if (NUMBER.exec(text) && NUMBER.lastIndex > at) return NUMBER.lastIndex;
  return -at - 1;
}

/** The offset where `text` stops being valid JSON, or null when it is valid. */
export function jsonErrorOffset(text: string): number | null {
  const stack: ('{' | '[')[] = [];
  let expect: Expect = 'value';
  let i = 0;
  for (;;) {
    i = skipSpace(text, i);
    if (i >= text.length) return expect === 'after' && stack.length === 0 ? null : text.length;
    const c = text[i]!;
    const top = stack.at(-1);
    switch (expect) {
      case 'valueOrClose':
      case 'value': {
        if (expect === 'valueOrClose' && c === ']') {
          stack.pop();
          i++;
          expect = 'after';
        } else if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          expect = c === '{' ? 'keyOrClose' : 'valueOrClose';
        } else {
          const end = scanScalar(text, i);
          if (end < 0) return -end - 1;
          i = end;
          expect = 'after';
        }
        break;
      }
      case 'keyOrClose':
      case 'key': {
        if (expect === 'keyOrClose' && c === '}') {
          stack.pop();
          i++;
          expect = 'after';
        } else if (c === '"') {
          const end = scanString(text, i);
          if (end < 0) return -end - 1;
          i = end;
          expect = 'colon';
        } else return i;
        break;
      }
      case 'colon':
        if (c !== ':') return i;
        i++;
        expect = 'value';
        break;
      case 'after':
        if (top === undefined) return i; // something after the whole value
        if (c === ',') expect = top === '{' ? 'key' : 'value';
        else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
          stack.pop();
          expect = 'after';
        } else return i;
        i++;
        break;
    }
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse's complaint in a form a person can act on: what is wrong (without V8's quote of the
 * text) and where, "at line 3, column 7", or "at the end" when the text stops too early.
 */
export function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const what = message
    .replace(/\s*\(line \d+ column \d+\)$/, '')
    .replace(/ in JSON at position \d+$/, '')
    .replace(/ after JSON at position \d+$/, ' after the JSON value')
    .replace(/^(Unexpected token '.*?'), .* is not valid JSON$/s, '$1')
    .replace(/^Unexpected end of JSON input$/, 'the text ends too early');
  const stated = /at position (\d+)/.exec(message);
  const offset = stated ? Number(stated[1]) : jsonErrorOffset(text);
  if (offset === null) return what;
  if (offset >= text.length) return `${what} at the end (line ${lineAndColumn(text, text.length).line})`;
  const { line, column } = lineAndColumn(text, offset);
  return `${what} at line ${line}, column ${column}`;
}
