// Turns Chromium's MHTML snapshot into one self-contained HTML file that opens offline without a
// single network request: what the MHTML holds is inlined as data: URIs (images, style sheets and
// their imports, fonts, frames as srcdoc), what it lacks is neutralised, and anything that could
// run or navigate on its own (scripts, handlers, <base>, refresh) is removed. Links stay pointing
// at their original absolute URLs. HTML is handled with parse5, the WHATWG parser.
import { defaultTreeAdapter, html as parse5Html, parse, serialize, type DefaultTreeAdapterMap } from 'parse5';
import { ErrorCode, LinksnapError, TooLargeError } from '../../errors.js';
import { rewriteCssUrls } from './css-urls.js';
import { parseMhtml, type MhtmlPart } from './mhtml-parse.js';
import { parseSrcset, serializeSrcset } from './srcset.js';

type Node = DefaultTreeAdapterMap['node'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];
type Element = DefaultTreeAdapterMap['element'];
type Template = DefaultTreeAdapterMap['template'];
type TextNode = DefaultTreeAdapterMap['textNode'];

export interface MhtmlToHtmlOptions {
  /** The archive may not grow past this many bytes (UTF-8). */
  maxBytes: number;
}

/** Stands in for a resource the snapshot does not hold: valid, empty, and never fetched. */
const EmptyResource = 'data:,';
const EmptyStyleSheet = 'data:text/css,';
/** Frames inside frames inside … stop here; Blink itself caps nesting, this bounds hostile input. */
const MaxFrameDepth = 8;

const RemovedElements = new Set(['script', 'noscript', 'base', 'portal', 'applet', 'fencedframe']);
const RemovedHttpEquiv = new Set(['refresh', 'content-security-policy', 'content-security-policy-report-only', 'set-cookie', 'content-type', 'x-dns-prefetch-control', 'origin-trial']);
/** <link rel> values that never fetch anything by themselves: kept, with absolute hrefs. */
const InertLinkRels = new Set(['canonical', 'alternate', 'author', 'license', 'next', 'prev', 'me', 'bookmark', 'help', 'external', 'tag', 'shortlink', 'nofollow', 'noopener', 'noreferrer', 'archives', 'first', 'last', 'up', 'index']);
const IconLinkRels = new Set(['icon', 'shortcut', 'apple-touch-icon', 'apple-touch-icon-precomposed', 'mask-icon']);
/** Attributes that load something when the page opens, by element. */
const FetchingAttributes: Record<string, readonly string[]> = {
  img: ['src', 'lowsrc'],
  source: ['src'],
  input: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  track: ['src'],
  embed: ['src'],
  object: ['data'],
  image: ['href', 'xlink:href'],
  feimage: ['href', 'xlink:href'],
  use: ['href', 'xlink:href'],
  body: ['background'],
  table: ['background'],
  td: ['background'],
  th: ['background'],
};
/** Attributes that only navigate when a user acts: made absolute so they reach the live site. */
const NavigatingAttributes = new Set(['href', 'xlink:href', 'action', 'formaction', 'cite']);

export function mhtmlToHtml(mhtml: string, opts: MhtmlToHtmlOptions): string {
  const snapshot = parseMhtml(mhtml);
  const main = snapshot.parts.find((p) => p.mime === 'text/html' || p.mime === 'application/xhtml+xml');
  if (!main) throw new LinksnapError(ErrorCode.CaptureFailed, `The MHTML snapshot${snapshot.url ? ` of ${snapshot.url}` : ''} holds no HTML document`);
  const converter = new ArchiveConverter(snapshot.parts, opts.maxBytes);
  const output = converter.convertDocument(main, 0, {
    url: snapshot.url ?? main.location ?? '',
    date: snapshot.date,
  });
  if (Buffer.byteLength(output, 'utf8') > opts.maxBytes) throw new TooLargeError('The single-file archive', opts.maxBytes);
  return output;
}

class ArchiveConverter {
  private readonly byLocation = new Map<string, MhtmlPart>();
  private readonly dataUris = new Map<MhtmlPart, string>();
  private readonly sheets = new Map<string, string>();
  private readonly openFrames = new Set<MhtmlPart>();
  /** Bytes of inlined content so far: stops a page that reuses one big image a thousand times early. */
  private inlinedBytes = 0;

  constructor(
    parts: MhtmlPart[],
    private readonly maxBytes: number,
  ) {
    for (const part of parts) {
      if (part.location && !this.byLocation.has(part.location)) this.byLocation.set(part.location, part);
      if (part.contentId) {
        const cid = `cid:${part.contentId}`;
        if (!this.byLocation.has(cid)) this.byLocation.set(cid, part);
      }
    }
  }

  convertDocument(part: MhtmlPart, depth: number, banner?: { url: string; date: string | null }): string {
    const document = parse(decodeText(part));
    const location = part.location && !part.location.startsWith('cid:') ? part.location : (banner?.url ?? '');
    const base = findBase(document, location);
    this.walk(document, base, depth);
    const head = findHead(document);
    if (head) {
      // <meta charset> must come within the first 1024 bytes, so it goes first, the banner after it.
      const added: Node[] = [defaultTreeAdapter.createElement('meta', parse5Html.NS.HTML, [{ name: 'charset', value: 'utf-8' }])];
      // Without an icon link the viewer's browser asks the server for /favicon.ico.
      if (!hasIconLink(head)) added.push(defaultTreeAdapter.createElement('link', parse5Html.NS.HTML, [{ name: 'rel', value: 'icon' }, { name: 'href', value: EmptyResource }]));
      if (banner) {
        const when = banner.date ? new Date(banner.date) : null;
        const text = ` Archived by linksnap from ${banner.url}${when && !Number.isNaN(when.getTime()) ? ` on ${when.toISOString()}` : ''}. Scripts removed; links point to the live site. `;
        added.push(defaultTreeAdapter.createCommentNode(text.replace(/--/g, '- -').replace(/>/g, '&gt;')));
      }
      for (const node of added) (node as { parentNode: ParentNode | null }).parentNode = head;
      head.childNodes = [...(added as Element[]), ...head.childNodes];
    }
    return serialize(document);
  }

  private walk(parent: ParentNode, base: string, depth: number): void {
    for (const node of [...parent.childNodes]) {
      if (!isElement(node)) continue;
      const keep = this.element(node, base, depth);
      if (!keep) {
        defaultTreeAdapter.detachNode(node);
        continue;
      }
      if (node.nodeName === 'template') this.walk((node as Template).content, base, depth);
      this.walk(node, base, depth);
    }
  }

  /** Rewrites one element in place; false removes it. */
  private element(el: Element, base: string, depth: number): boolean {
    const tag = el.nodeName.toLowerCase();
    if (RemovedElements.has(tag)) return false;
    if (tag === 'meta') {
      const equiv = getAttr(el, 'http-equiv')?.trim().toLowerCase();
      if (equiv && RemovedHttpEquiv.has(equiv)) return false;
      if (getAttr(el, 'charset') !== null) return false;
    }
    if (tag === 'link') return this.link(el, base);

    // Attributes that would run code or phone home whatever the tag.
    el.attrs = el.attrs.filter((a) => {
      const name = a.name.toLowerCase();
      if (name.startsWith('on') || name === 'ping' || name === 'nonce' || name === 'integrity' || name === 'manifest') return false;
      return !isScriptUrl(a.value);
    });

    const fetching = FetchingAttributes[tag];
    if (fetching) {
      for (const name of fetching) {
        const value = getAttr(el, name);
        if (value !== null) setAttr(el, name, this.resource(value, base));
      }
    }
    if (tag === 'img' || tag === 'source') {
      const srcset = getAttr(el, 'srcset');
      if (srcset !== null) {
        const kept = parseSrcset(srcset)
          .map((c) => ({ ...c, url: this.resource(c.url, base) }))
          .filter((c) => c.url !== EmptyResource);
        if (kept.length) setAttr(el, 'srcset', serializeSrcset(kept));
        else removeAttr(el, 'srcset');
      }
    }
    if (tag === 'iframe' || tag === 'frame') this.frame(el, tag, base, depth);
    if (tag !== 'link') {
      for (const attr of el.attrs) {
        if (NavigatingAttributes.has(attr.name.toLowerCase()) && !(fetching ?? []).includes(attr.name.toLowerCase())) {
          attr.value = absoluteLink(attr.value, base);
        }
      }
    }
    const style = getAttr(el, 'style');
    if (style !== null && /url\(|image-set/i.test(style)) setAttr(el, 'style', this.css(style, base));
    if (tag === 'style') {
      const text = el.childNodes.filter((n): n is TextNode => n.nodeName === '#text').map((n) => n.value).join('');
      el.childNodes = [];
      defaultTreeAdapter.insertText(el, escapeStyleText(this.css(text, base)));
    }
    return true;
  }

  private link(el: Element, base: string): boolean {
    const rels = (getAttr(el, 'rel') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const href = getAttr(el, 'href');
    if (href === null || isScriptUrl(href)) return false;
    if (rels.includes('stylesheet')) {
      const part = this.lookup(href, base);
      if (!part) return false;
      // A <link> to a data: sheet would work too; a <style> keeps the archive readable and diffable.
      const style = defaultTreeAdapter.createElement('style', parse5Html.NS.HTML, el.attrs.filter((a) => a.name === 'media' || a.name === 'title'));
      defaultTreeAdapter.insertText(style, escapeStyleText(this.sheet(part, base)));
      defaultTreeAdapter.insertBefore(el.parentNode!, style, el);
      return false;
    }
    if (rels.some((r) => IconLinkRels.has(r))) {
      const uri = this.resource(href, base);
      if (uri === EmptyResource) return false;
      el.attrs = el.attrs.filter((a) => !a.name.toLowerCase().startsWith('on'));
      setAttr(el, 'href', uri);
      return true;
    }
    if (rels.length && rels.every((r) => InertLinkRels.has(r))) {
      el.attrs = el.attrs.filter((a) => !a.name.toLowerCase().startsWith('on') && a.name !== 'imagesrcset');
      setAttr(el, 'href', absoluteLink(href, base));
      return true;
    }
    return false; // preload, prefetch, preconnect, manifest, modulepreload, search…: all fetch
  }

  private frame(el: Element, tag: string, base: string, depth: number): void {
    const src = getAttr(el, 'src');
    const part = src !== null ? this.lookup(src, base) : null;
    removeAttr(el, 'srcdoc');
    const isHtml = part && (part.mime === 'text/html' || part.mime === 'application/xhtml+xml');
    if (!part || !isHtml || depth >= MaxFrameDepth || this.openFrames.has(part)) {
      setAttr(el, 'src', 'about:blank');
      return;
    }
    this.openFrames.add(part);
    let inner: string;
    try {
      inner = this.convertDocument(part, depth + 1);
    } finally {
      this.openFrames.delete(part);
    }
    this.count(inner.length);
    if (tag === 'iframe') {
      removeAttr(el, 'src');
      setAttr(el, 'srcdoc', inner);
      // Nothing in it can run anyway; say so to the browser as well.
      if (getAttr(el, 'sandbox') === null) setAttr(el, 'sandbox', 'allow-same-origin');
    } else {
      setAttr(el, 'src', `data:text/html;charset=utf-8;base64,${Buffer.from(inner, 'utf8').toString('base64')}`);
    }
  }

  private css(text: string, base: string, sheetDepth = 0): string {
    return rewriteCssUrls(text, (url, kind) => {
      if (kind === 'import') {
        const part = this.lookup(url, base);
        if (!part || sheetDepth > MaxFrameDepth) return EmptyStyleSheet;
        return this.dataUri('text/css', Buffer.from(this.sheet(part, base, sheetDepth + 1), 'utf8'));
      }
      return this.resource(url, base);
    });
  }

  /** A style sheet part, its own references rewritten against its own URL. */
  private sheet(part: MhtmlPart, documentBase: string, sheetDepth = 0): string {
    // Blink stores <style> blocks as cid: parts whose relative URLs are relative to the document.
    const base = part.location && !part.location.startsWith('cid:') ? part.location : documentBase;
    const key = `${part.location ?? part.contentId}\n${base}`;
    let css = this.sheets.get(key);
    if (css === undefined) {
      css = this.css(decodeText(part), base, sheetDepth);
      this.sheets.set(key, css);
    }
    this.count(css.length);
    return css;
  }

  /** The data: URI for a reference, the reference itself when it is local, or an empty resource. */
  private resource(ref: string, base: string): string {
    const value = ref.trim();
    if (value === '' || value.startsWith('#')) return value;
    if (/^data:/i.test(value)) {
      this.count(value.length);
      return value;
    }
    const part = this.lookup(value, base);
    if (!part) return EmptyResource;
    if (part.mime === 'text/css') return this.dataUri('text/css', Buffer.from(this.sheet(part, base), 'utf8'));
    // HTML reached through <object>/<embed> would be inlined with its scripts: only frames get converted.
    if (part.mime === 'text/html' || part.mime === 'application/xhtml+xml') return EmptyResource;
    const fragment = value.includes('#') && (part.mime === 'image/svg+xml') ? value.slice(value.indexOf('#')) : '';
    return this.dataUri(part.mime, part.body, part) + fragment;
  }

  private lookup(ref: string, base: string): MhtmlPart | null {
    const value = ref.trim();
    if (/^cid:/i.test(value)) return this.byLocation.get(value) ?? this.byLocation.get(`cid:${value.slice(4)}`) ?? null;
    let url: URL;
    try {
      url = new URL(value, base || undefined);
    } catch {
      return null;
    }
    const exact = this.byLocation.get(url.href);
    if (exact) return exact;
    url.hash = '';
    return this.byLocation.get(url.href) ?? this.byLocation.get(value) ?? null;
  }

  private dataUri(mime: string, body: Buffer, cacheKey?: MhtmlPart): string {
    let uri = cacheKey ? this.dataUris.get(cacheKey) : undefined;
    if (uri === undefined) {
      uri = `data:${mime || 'application/octet-stream'};base64,${body.toString('base64')}`;
      if (cacheKey) this.dataUris.set(cacheKey, uri);
    }
    this.count(uri.length);
    return uri;
  }

  private count(bytes: number): void {
    this.inlinedBytes += bytes;
    if (this.inlinedBytes > this.maxBytes) throw new TooLargeError('The single-file archive', this.maxBytes);
  }
}

function decodeText(part: MhtmlPart): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(part.charset ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8'); // unknown label: Blink writes UTF-8 anyway
  }
  return decoder.decode(part.body).replace(/^\ufeff/, '');
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

function getAttr(el: Element, name: string): string | null {
  const attr = el.attrs.find((a) => a.name.toLowerCase() === name);
  return attr ? attr.value : null;
}

function setAttr(el: Element, name: string, value: string): void {
  const attr = el.attrs.find((a) => a.name.toLowerCase() === name);
  if (attr) attr.value = value;
  else el.attrs.push({ name, value });
}

function removeAttr(el: Element, name: string): void {
  el.attrs = el.attrs.filter((a) => a.name.toLowerCase() !== name);
}

/** javascript:, vbscript: and similar, however the browser would read them (leading spaces, tabs inside). */
function isScriptUrl(value: string): boolean {
  const squeezed = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  return squeezed.startsWith('javascript:') || squeezed.startsWith('vbscript:') || squeezed.startsWith('livescript:');
}

function absoluteLink(value: string, base: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.startsWith('#') || !base) return value;
  try {
    return new URL(trimmed, base).href;
  } catch {
    return value;
  }
}

/** The document URL that relative references resolve against: the first <base href>, else the part's own. */
function findBase(document: ParentNode, location: string): string {
  let found: string | null = null;
  const visit = (node: ParentNode): void => {
    for (const child of node.childNodes) {
      if (found !== null) return;
      if (!isElement(child)) continue;
      if (child.nodeName === 'base') {
        const href = getAttr(child, 'href');
        if (href !== null) {
          try {
            found = new URL(href.trim(), location || undefined).href;
          } catch {
            /* an unusable <base> is ignored, as browsers do */
          }
          if (found !== null) return;
        }
      }
      if (child.nodeName === 'html' || child.nodeName === 'head') visit(child);
    }
  };
  visit(document);
  return found ?? location;
}

function findHead(document: ParentNode): Element | null {
  const html = document.childNodes.find((n): n is Element => isElement(n) && n.nodeName === 'html');
  return html?.childNodes.find((n): n is Element => isElement(n) && n.nodeName === 'head') ?? null;
}

function hasIconLink(head: Element): boolean {
  return head.childNodes.some(
    (n) => isElement(n) && n.nodeName === 'link' && (getAttr(n, 'rel') ?? '').toLowerCase().split(/\s+/).some((r) => IconLinkRels.has(r)),
  );
}

/** Style text is raw in HTML: a literal `</style` inside CSS would close the element early. */
function escapeStyleText(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}
