// The small parsers under the archive: CSS URL tokens, srcset candidates, MHTML parts.
import { describe, expect, it } from 'vitest';
import { rewriteCssUrls } from '../src/core/capture/archive/css-urls.js';
import { parseMhtml } from '../src/core/capture/archive/mhtml-parse.js';
import { parseSrcset, serializeSrcset } from '../src/core/capture/archive/srcset.js';

describe('rewriteCssUrls', () => {
  const seen: Array<[string, string]> = [];
  const rewrite = (css: string) =>
    rewriteCssUrls(css, (url, kind) => {
      seen.push([url, kind]);
      return url.startsWith('#') ? null : `X(${url})`;
    });

  it('finds url() in every spelling, @import in both forms and image-set strings', () => {
    seen.length = 0;
    const out = rewrite(`@import "a.css" screen; @import url(b.css);
      .x { background: URL( 'c.png' ) , url(d\\).png), url("e.png#f"); filter: url(#local); }
      .y { background-image: -webkit-image-set("g.png" 1x, url(h.png) 2x); content: "url(not-me)"; }
      /* url(comment.png) */ .z { --u: url(i.png); }`);
    expect(seen).toEqual([
      ['a.css', 'import'], ['b.css', 'import'], ['c.png', 'url'], ['d).png', 'url'], ['e.png#f', 'url'],
      ['#local', 'url'], ['g.png', 'url'], ['h.png', 'url'], ['i.png', 'url'],
    ]);
    expect(out).toContain('@import url("X(a.css)") screen;');
    expect(out).toContain('url(#local)');
    expect(out).toContain('content: "url(not-me)"');
    expect(out).toContain('/* url(comment.png) */');
    expect(out).toContain('-webkit-image-set("X(g.png)" 1x, url("X(h.png)") 2x)');
  });

  it('returns the same string when nothing changes', () => {
    const css = '.a { color: red } .b::before { content: "\\"quoted\\"" }';
    expect(rewriteCssUrls(css, () => 'never')).toBe(css);
  });
});

describe('srcset', () => {
  // As in HTML's algorithm, a URL runs to the next space: only trailing commas end it.
  it('keeps commas inside URLs and descriptors apart', () => {
    const list = parseSrcset(' a.png 1x,data:image/png;base64,AAA= 2x ,  b.png, c.png 640w');
    expect(list).toEqual([
      { url: 'a.png', descriptor: '1x' },
      { url: 'data:image/png;base64,AAA=', descriptor: '2x' },
      { url: 'b.png', descriptor: '' },
      { url: 'c.png', descriptor: '640w' },
    ]);
    expect(serializeSrcset(list)).toBe('a.png 1x, data:image/png;base64,AAA= 2x, b.png, c.png 640w');
  });
});

describe('parseMhtml', () => {
  it('reads headers, quoted-printable and base64 bodies, with LF or CRLF line ends', () => {
    const doc = parseMhtml(
      'Snapshot-Content-Location: https://e.test/\nDate: Tue, 24 Nov 2026 10:00:00 GMT\nContent-Type: multipart/related;\n\tboundary="--b"\n\n' +
        '----b\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\nContent-Location: https://e.test/\n\n<p>caf=C3=A9 soft=\nbreak</p>\n' +
        '----b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <img-1@e>\r\n\r\naGVs\r\nbG8=\r\n----b--\n',
    );
    expect(doc.url).toBe('https://e.test/');
    expect(doc.parts.map((p) => [p.mime, p.charset, p.location, p.contentId])).toEqual([
      ['text/html', 'utf-8', 'https://e.test/', null],
      ['image/png', null, null, 'img-1@e'],
    ]);
    expect(doc.parts[0].body.toString('utf8')).toBe('<p>café softbreak</p>');
    expect(doc.parts[1].body.toString('utf8')).toBe('hello');
  });

  it('says what is wrong with input that is not multipart', () => {
    expect(() => parseMhtml('Content-Type: text/html\n\n<p>x</p>')).toThrow(/not multipart/);
  });
});
