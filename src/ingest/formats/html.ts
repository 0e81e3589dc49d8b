/**
 * HTML articles: page furniture is removed, then @mozilla/readability (on a linkedom document)
 * finds the article; paragraphs are its leaf block elements (p, li, blockquote, pre, dd/dt).
 * Headings and figure captions are not passages. Metadata comes from the untouched page:
 * title og:title → Readability/<title> without a " | Site" suffix → first <h1>;
 * source og:site_name → Readability siteName → host name of the url;
 * date article:published_time → itemprop=datePublished → <time datetime> → Readability (JSON-LD);
 * section article:section; url <link rel=canonical> → og:url → the url the HTML came from;
 * author meta author/article:author → Readability's byline.
 * The dek (standfirst) and the page's description open the body when they say something it
 * does not (src/ingest/formats/lead.ts).
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { UserError } from '../../errors.ts';
import {
  cleanAuthor,
  cleanSource,
  normaliseDate,
  normaliseSection,
  normaliseSpace,
  titleFromParagraph,
  type RawArticle,
} from './common.ts';
import { leadParagraphs } from './lead.ts';

/** Elements that are never article text. */
const JUNK_SELECTOR = [
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'svg',
  'canvas',
  'nav',
  'footer',
  'aside',
  'form',
  'button',
  'dialog',
  '[role="navigation"]',
  '[role="banner"]',
  '[role="contentinfo"]',
  '[role="complementary"]',
  '[role="dialog"]',
  '[role="alertdialog"]',
  '[aria-hidden="true"]',
  '[hidden]',
].join(', ');

/** class/id words of furniture containers (cookie banners, newsletter boxes, related links, share bars…). */
const JUNK_NAME_RE =
  /(?:^|[-_\s])(?:cookies?|consent|gdpr|newsletter|subscribe|subscription|paywall|promo|related|share|sharing|social|advert|advertisement|ads?|banner|popup|modal|breadcrumbs?|sidebar|comments?|masthead|outbrain|taboola|recirc|most-read|trending)(?:[-_\s]|$)/i;

const BLOCK_SELECTOR = 'p, li, blockquote, pre, dd, dt';

function loadDocument(html: string): Document {
  const full = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`;
  return parseHTML(full).document as unknown as Document;
}

/**
 * Readability's time grows faster than the page: 2 s at 500 levels of nesting, 14 s at 1,000,
 * 100 s at 2,000, for 22 KB. Real article pages nest a few dozen levels and hold some thousands of
 * elements, so beyond these bounds the page is refused before Readability sees it.
 */
export const MAX_HTML_DEPTH = 128;
export const MAX_HTML_ELEMENTS = 200_000;

/** Throws parse_failed when the document nests deeper or holds more elements than an article page does (an iterative walk: linear). */
function assertReadableSize(doc: Document): void {
  const stack: [Element, number][] = doc.documentElement ? [[doc.documentElement, 1]] : [];
  let elements = 0;
  while (stack.length > 0) {
    const [el, depth] = stack.pop()!;
    if (depth > MAX_HTML_DEPTH) {
      throw new UserError(
        'parse_failed',
        `the page nests its HTML more than ${MAX_HTML_DEPTH} levels deep, which no article page does; it was not read (save the article's text as .txt or .md instead)`,
      );
    }
    if (++elements > MAX_HTML_ELEMENTS) {
      throw new UserError(
        'parse_failed',
        `the page has more than ${MAX_HTML_ELEMENTS.toLocaleString('en-US')} HTML elements, far more than an article page; it was not read (save the article's text as .txt or .md instead)`,
      );
    }
    for (let child = el.firstElementChild; child; child = child.nextElementSibling) stack.push([child, depth + 1]);
  }
}

function textLength(el: Element | null): number {
  return el ? normaliseSpace(el.textContent ?? '').length : 0;
}

/** Removes navigation, banners, asides, footers and similar furniture, never the article itself. */
function removeFurniture(doc: Document): void {
  const total = textLength(doc.body);
  const remove = (el: Element): void => {
    const tag = el.tagName.toUpperCase();
    if (tag === 'BODY' || tag === 'HTML' || tag === 'ARTICLE' || tag === 'MAIN') return;
    // JSON-LD stays: Readability reads datePublished, headline and publisher from it.
    if (tag === 'SCRIPT' && /ld\+json/i.test(el.getAttribute('type') ?? '')) return;
    if (el.querySelector('article, main')) return;
    // A container holding most of the page's text is the article, whatever its class says.
    if (total > 0 && textLength(el) > total * 0.5) return;
    el.remove();
  };
  for (const el of Array.from(doc.querySelectorAll(JUNK_SELECTOR))) remove(el);
  // A page-level <header> is the masthead; one inside <article> holds the headline and byline.
  for (const el of Array.from(doc.querySelectorAll('header'))) if (!el.closest('article')) remove(el);
  for (const el of Array.from(doc.querySelectorAll('[class], [id]'))) {
    if (!el.isConnected) continue;
    const names = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
    if (JUNK_NAME_RE.test(names)) remove(el);
  }
}

/** Elements whose edges separate words: `a<br>b` and minified `<div>a</div><div>b</div>` are "a b", not "ab". */
const BREAKING_TAGS = new Set([
  'BR',
  'HR',
  'P',
  'DIV',
  'LI',
  'UL',
  'OL',
  'DD',
  'DT',
  'DL',
  'TD',
  'TH',
  'TR',
  'TABLE',
  'BLOCKQUOTE',
  'PRE',
  'SECTION',
  'ARTICLE',
  'FIGURE',
  'FIGCAPTION',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'FOOTER',
  'ADDRESS',
  'IMG',
]);

/** An element's text with whitespace normalised and a space at every block edge or <br>. */
export function elementText(el: Node): string {
  const parts: string[] = [];
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      parts.push(node.nodeValue ?? '');
      return;
    }
    if (node.nodeType !== 1) return;
    const breaking = BREAKING_TAGS.has((node as Element).tagName.toUpperCase());
    if (breaking) parts.push(' ');
    for (const child of Array.from(node.childNodes)) walk(child);
    if (breaking) parts.push(' ');
  };
  for (const child of Array.from(el.childNodes)) walk(child);
  return normaliseSpace(parts.join(''));
}

/** Leaf block elements' texts in document order; headings and figure captions are skipped. */
function blockTexts(root: Element | Document): string[] {
  const out: string[] = [];
  for (const el of Array.from(root.querySelectorAll(BLOCK_SELECTOR))) {
    if (el.querySelector(BLOCK_SELECTOR)) continue; // its inner blocks are taken instead
    if (el.closest('figcaption, h1, h2, h3, h4, h5, h6')) continue;
    const t = elementText(el);
    if (t) out.push(t);
  }
  return out;
}

/** An HTML fragment (e.g. a JSON record's `content`) → paragraphs. */
export function htmlFragmentToParagraphs(html: string): string[] {
  const doc = loadDocument(html);
  const blocks = blockTexts(doc);
  if (blocks.length > 0) return blocks;
  const t = doc.body ? elementText(doc.body) : '';
  return t ? [t] : [];
}

/** Elements publishers mark a standfirst or dek with. */
const DEK_SELECTOR = [
  '[class~="dek"]',
  '[class~="deck"]',
  '[class~="standfirst"]',
  '[class~="subtitle"]',
  '[class~="subheadline"]',
  '[class~="sub-headline"]',
  '[class~="article-summary"]',
  '[class~="article__standfirst"]',
  '[itemprop="description"]:not(meta)',
].join(', ');

/** The page's dek: the first marked element of sentence length, read before furniture is removed. */
function dekOf(doc: Document): string | null {
  for (const el of Array.from(doc.querySelectorAll(DEK_SELECTOR))) {
    const text = elementText(el);
    if (text.length >= 20 && text.length <= 600) return text;
  }
  return null;
}

function meta(doc: Document, ...keys: string[]): string | null {
  for (const k of keys) {
    const el = doc.querySelector(`meta[property="${k}"], meta[name="${k}"], meta[itemprop="${k}"]`);
    const v = el?.getAttribute('content')?.trim();
    if (v) return v;
  }
  return null;
}

function absoluteUrl(href: string | null | undefined, base: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const u = base ? new URL(href.trim(), base) : new URL(href.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function hostname(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

/**
 * "Big news | The Daily" → "Big news". A " | anything" suffix (≤ 5 words) is always a site name;
 * " - ", " – ", " — " and " :: " suffixes only when they name the site, since headlines use dashes.
 */
export function stripSiteSuffix(title: string, site: string | null): string {
  const t = normaliseSpace(title);
  const sites = [site, site?.replace(/^www\./, '')].filter((s): s is string => !!s).map((s) => s.toLowerCase());
  const m = /^(.*\S)\s+(\||-|–|—|::|·)\s+([^|]+)$/.exec(t);
  if (!m) return t;
  const [, head, sep, tail] = m as unknown as [string, string, string, string];
  const tailLc = tail.toLowerCase();
  const namesSite = sites.some(
    (s) => tailLc === s || tailLc.replace(/\s+/g, '') === s.replace(/\s+/g, '') || s.startsWith(`${tailLc}.`),
  );
  if (namesSite || (sep === '|' && tail.split(' ').length <= 5)) return stripSiteSuffix(head, site);
  return t;
}

export function parseHtml(html: string, inputUrl?: string): RawArticle {
  const doc = loadDocument(html);
  assertReadableSize(doc);

  const canonical = absoluteUrl(doc.querySelector('link[rel="canonical"]')?.getAttribute('href'), inputUrl);
  const url = canonical ?? absoluteUrl(meta(doc, 'og:url'), inputUrl) ?? absoluteUrl(inputUrl, undefined);
  const ogTitle = meta(doc, 'og:title');
  const ogSite = meta(doc, 'og:site_name');
  let date =
    normaliseDate(
      meta(
        doc,
        'article:published_time',
        'datePublished',
        'date',
        'pubdate',
        'publishdate',
        'dc.date',
        'DC.date.issued',
      ),
    ) ??
    normaliseDate(
      (doc.querySelector('article time[datetime]') ?? doc.querySelector('time[datetime]'))?.getAttribute('datetime'),
    );
  const section = normaliseSection(meta(doc, 'article:section'));
  const metaAuthor = cleanAuthor(meta(doc, 'author', 'article:author', 'dc.creator', 'DC.creator', 'parsely-author'));
  const h1 = normaliseSpace(doc.querySelector('h1')?.textContent ?? '');
  const docTitle = normaliseSpace(doc.title ?? '');
  const dek = dekOf(doc);
  const description = meta(doc, 'description', 'og:description', 'twitter:description');

  removeFurniture(doc);
  let parsed: ReturnType<Readability<Element>['parse']> = null;
  try {
    // The serializer hands back the content element itself: no HTML string to parse again.
    parsed = new Readability<Element>(doc, { serializer: (node) => node as Element }).parse();
  } catch {
    parsed = null; // Readability trips on some unusual DOMs; the <p> fallback below still works.
  }

  let paragraphs: string[] = [];
  if (parsed?.content) paragraphs = blockTexts(parsed.content);
  if (paragraphs.length === 0) {
    // Readability found nothing usable: every <p> of the page, minus the furniture.
    const fresh = loadDocument(html);
    removeFurniture(fresh);
    paragraphs = Array.from(fresh.querySelectorAll('p'))
      .map((p) => elementText(p))
      .filter(Boolean);
  }

  const source = cleanSource(ogSite ?? parsed?.siteName ?? hostname(url));
  date ??= normaliseDate(parsed?.publishedTime);
  // og:title is the publisher's own headline; other titles usually carry a " | Site" suffix.
  const fallbackTitle = parsed?.title || docTitle;
  const title =
    normaliseSpace(ogTitle ?? '') ||
    (fallbackTitle ? stripSiteSuffix(fallbackTitle, ogSite ?? parsed?.siteName ?? hostname(url)) : '') ||
    h1 ||
    // A bare fragment with no title anywhere: name it by its first sentence, as plain text does.
    (paragraphs[0] ? titleFromParagraph(paragraphs[0]) : '');

  // A dek Readability kept as a paragraph is judged like one outside the article: it stays (first)
  // only when it says something the rest of the body does not.
  const body = paragraphs.filter((p) => p !== dek);
  const lead = leadParagraphs([dek, description], body, title);
  // Readability's byline comes from rel=author, itemprop=author, a "byline" class or JSON-LD.
  const author = metaAuthor ?? cleanAuthor(parsed?.byline);
  return { id: null, title, date, source, section, url, author, paragraphs: [...lead, ...body] };
}
