/**
 * Bytes → string, with the checks a user can act on: too large, binary (named when we
 * recognise the file type), not UTF-8. Strips a BOM and normalises line endings to "\n".
 */
import { UserError } from '../errors.ts';

export const SUPPORTED_EXTENSIONS = '.txt .md .html .json .ndjson .pdf .docx';

/** How an input is named in messages: "-" is stdin, "pasted" is text pasted into chat. */
export function displayName(name: string): string {
  if (name === '-' || name === '' || name === '<stdin>') return 'the text from stdin';
  if (name === 'pasted') return 'the pasted text';
  return name;
}

/** Leading-byte signatures of common non-text files, so the error can say what the file is. */
/** `weak`: short printable signatures ("MZ", "ID3") that a text could start with; only trusted when the bytes also look binary. */
const MAGIC: { bytes: (number | null)[]; offset?: number; type: string; weak?: boolean }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], type: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], type: 'a GIF image' }, // GIF8
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], type: 'a WebP image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], type: 'a PDF document' }, // %PDF-
  { bytes: [0x50, 0x4b, 0x03, 0x04], type: 'ZIP' }, // refined by extension below (docx, epub, …)
  { bytes: [0x50, 0x4b, 0x05, 0x06], type: 'ZIP' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], type: 'an old-style Office document (.doc/.xls/.ppt)' },
  { bytes: [0x1f, 0x8b], type: 'a gzip archive' },
  { bytes: [0x42, 0x5a, 0x68], type: 'a bzip2 archive', weak: true },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], type: 'a 7-Zip archive' },
  { bytes: [0x52, 0x61, 0x72, 0x21], type: 'a RAR archive' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], type: 'an executable (ELF)' },
  { bytes: [0x4d, 0x5a], type: 'a Windows executable', weak: true },
  { bytes: [0x00, 0x61, 0x73, 0x6d], type: 'a WebAssembly module' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], type: 'an SQLite database' },
  { bytes: [0x49, 0x44, 0x33], type: 'an MP3 audio file', weak: true },
  { bytes: [0x4f, 0x67, 0x67, 0x53], type: 'an Ogg media file' },
  { bytes: [0x66, 0x74, 0x79, 0x70], offset: 4, type: 'an MP4/MOV media file' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], type: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], type: 'a TIFF image' },
];

const ZIP_KINDS: Record<string, string> = {
  docx: 'a Word document',
  xlsx: 'an Excel spreadsheet',
  pptx: 'a PowerPoint file',
  odt: 'an OpenDocument text file',
  epub: 'an EPUB e-book',
  pages: 'an Apple Pages document',
};

function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** Names the file type from its magic number, or null when none matches. */
export function sniffBinaryType(name: string, bytes: Uint8Array): string | null {
  for (const m of MAGIC) {
    const offset = m.offset ?? 0;
    if (bytes.length < offset + m.bytes.length) continue;
    if (m.bytes.every((b, i) => b === null || bytes[offset + i] === b)) {
      if (m.weak && !looksBinary(bytes) && firstInvalidUtf8Offset(bytes.subarray(0, SAMPLE_BYTES)) < 0) continue;
      if (m.type === 'ZIP') {
        const ext = extensionOf(name);
        return Object.hasOwn(ZIP_KINDS, ext) ? ZIP_KINDS[ext]! : 'a ZIP archive';
      }
      return m.type;
    }
  }
  return null;
}

/** Share of control characters (other than tab, LF, VT, FF, CR, ESC) above which text is "binary". */
const CONTROL_SHARE_LIMIT = 0.1;
const SAMPLE_BYTES = 64 * 1024;

function looksBinary(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return true;
  const n = Math.min(bytes.length, SAMPLE_BYTES);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f)
      control++;
  }
  return control / n > CONTROL_SHARE_LIMIT;
}

/** Byte offset of the first invalid UTF-8 sequence, or -1 (the input is valid). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** "6.2 MiB"; exact byte counts when rounding would make size and limit look equal. */
function describeSizes(size: number, limit: number): [string, string] {
  const a = formatSize(size);
  const b = formatSize(limit);
  if (a !== b) return [a, b];
  const exact = (n: number): string => `${n.toLocaleString('en-US')} bytes`;
  return [exact(size), exact(limit)];
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

/** Throws `input_too_large` when an input of `size` bytes is over `maxBytes`. */
export function assertWithinSize(name: string, size: number, maxBytes: number): void {
  if (size <= maxBytes) return;
  const [sizeText, limitText] = describeSizes(size, maxBytes);
  throw new UserError(
    'input_too_large',
    `${displayName(name)} is ${sizeText}, over the ${limitText} limit for one article; ` +
      `split it into smaller files, or raise the limit with the MAX_ARTICLE_BYTES setting`,
  );
}

/**
 * Checks and decodes one input. Throws UserError:
 * - `input_too_large` over `maxBytes`;
 * - `binary_input` for a recognised binary type (PNG, PDF, DOCX…), NUL bytes, or many control characters;
 * - `invalid_utf8` for UTF-16 or bytes that are not UTF-8 (with the byte offset).
 */
export function decodeArticleBytes(name: string, bytes: Uint8Array, maxBytes: number): string {
  const who = displayName(name);
  assertWithinSize(name, bytes.length, maxBytes);
  // UTF-16 text has NUL bytes everywhere: say what it is rather than calling it binary.
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new UserError(
      'invalid_utf8',
      `${who} is UTF-16 text; save it as UTF-8 (e.g. \`iconv -f UTF-16 -t UTF-8\`) and try again`,
    );
  }
  const kind = sniffBinaryType(name, bytes);
  if (kind !== null || looksBinary(bytes)) {
    throw new UserError(
      'binary_input',
      `${who} is not a text article (${kind ?? 'binary data'}); supported: ${SUPPORTED_EXTENSIONS}`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8Offset(bytes);
    const where = offset >= 0 ? ` (first bad byte at offset ${offset})` : '';
    throw new UserError(
      'invalid_utf8',
      `${who} is not valid UTF-8${where}; it may be Latin-1 or Windows-1252 — ` +
        `convert it to UTF-8 (e.g. \`iconv -f WINDOWS-1252 -t UTF-8\`) and try again`,
      { cause },
    );
  }
  // TextDecoder drops one leading BOM by default; strip any that remains (e.g. a doubled BOM).
  return text.replace(/^\uFEFF+/, '').replace(/\r\n?/g, '\n');
}
