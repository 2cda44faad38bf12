// The code that runs inside the rendered page. Kept as plain JavaScript text rather than a
// stringified TypeScript function: tsx and vitest may inject helpers (`__name`) into compiled
// functions, which do not exist inside the page. It runs in an isolated world, so page scripts
// that replace Array.prototype or JSON cannot bend it, and it never mutates the live document.
//
// Expects `Readability` (constructor or null) and `__opts` ({ maxTextChars, maxElems }) in scope;
// evaluates to { meta, readability, readableText, visibleText, errors } (plain JSON).
export const InPageExtractScript = String.raw`
(() => {
  const errors = [];
  const doc = document;
  const maxChars = __opts.maxTextChars;
  const clean = (s) => (typeof s === 'string' ? s.replace(/\s+/g, ' ').trim() : '') || null;
  const abs = (href) => {
    if (!href) return null;
    try {
      const u = new URL(href.trim(), doc.baseURI);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch { return null; }
  };

  // ---- metadata pass: what Readability lacks or gets wrong ----
  const meta = {};
  const metas = {};
  try {
    for (const el of doc.querySelectorAll('meta')) {
      const content = el.getAttribute('content');
      if (content == null) continue;
      // property can hold several space-separated names (RDFa), name one or several too.
      const keys = ((el.getAttribute('property') || '') + ' ' + (el.getAttribute('name') || '') + ' ' +
        (el.getAttribute('itemprop') || '') + ' ' + (el.getAttribute('http-equiv') || ''))
        .toLowerCase().split(/\s+/).filter(Boolean);
      for (const k of keys) if (!(k in metas) && content.trim()) metas[k] = content;
    }
  } catch (e) { errors.push('meta: ' + e); }
  const pick = (...keys) => { for (const k of keys) { const v = clean(metas[k]); if (v) return v; } return null; };

  // JSON-LD: the first Article-like or WebPage-like object, following @graph.
  const ld = {};
  try {
    const items = [];
    for (const s of doc.querySelectorAll('script[type="application/ld+json" i]')) {
      let parsed;
      try { parsed = JSON.parse(s.textContent.replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, '')); } catch { continue; }
      const stack = Array.isArray(parsed) ? parsed.slice() : [parsed];
      while (stack.length && items.length < 50) {
        const it = stack.shift();
        if (!it || typeof it !== 'object') continue;
        if (Array.isArray(it['@graph'])) stack.push(...it['@graph']);
        items.push(it);
      }
    }
    const typeOf = (it) => [].concat(it['@type'] || []).join(' ');
    const article = items.find((it) => /Article|Posting|Report|BlogPosting|NewsArticle/i.test(typeOf(it))) ||
      items.find((it) => /WebPage|CreativeWork/i.test(typeOf(it)));
    const nameOf = (v) => {
      if (!v) return null;
      if (typeof v === 'string') return clean(v);
      if (Array.isArray(v)) return clean(v.map(nameOf).filter(Boolean).join(', '));
      return clean(v.name);
    };
    if (article) {
      ld.title = clean(typeof article.headline === 'string' ? article.headline : article.name);
      ld.description = clean(article.description);
      ld.author = nameOf(article.author);
      ld.published = clean(article.datePublished || article.dateCreated);
      ld.siteName = nameOf(article.publisher);
      ld.lang = clean(typeof article.inLanguage === 'string' ? article.inLanguage : null);
    }
    const site = items.find((it) => /WebSite/i.test(typeOf(it)));
    if (site && !ld.siteName) ld.siteName = clean(site.name);
  } catch (e) { errors.push('json-ld: ' + e); }

  const root = doc.documentElement;
  const htmlLang = root && clean(root.getAttribute('lang') || root.getAttribute('xml:lang'));
  const ogLocale = pick('og:locale');
  meta.lang = htmlLang || pick('content-language', 'language', 'dc.language') ||
    (ogLocale ? ogLocale.replace('_', '-') : null) || ld.lang || null;
  if (meta.lang) meta.lang = meta.lang.split(/[,;\s]/)[0] || null;

  const dirOf = (el) => el && (el.getAttribute('dir') || '').toLowerCase();
  let dir = dirOf(root) || dirOf(doc.body);
  if (dir !== 'ltr' && dir !== 'rtl') {
    try { dir = doc.body ? getComputedStyle(doc.body).direction : null; } catch { dir = null; }
  }
  meta.dir = dir === 'rtl' || dir === 'ltr' ? dir : null;

  meta.title = pick('og:title', 'twitter:title', 'dc.title', 'dcterm:title') || ld.title ||
    clean(doc.title) || clean(doc.querySelector('h1') && doc.querySelector('h1').textContent);
  meta.description = pick('description', 'og:description', 'twitter:description', 'dc.description') || ld.description;
  meta.author = pick('author', 'article:author', 'dc.creator', 'byl', 'parsely-author') || ld.author;
  if (meta.author && /^https?:\/\//i.test(meta.author)) meta.author = ld.author || null;
  meta.siteName = pick('og:site_name', 'application-name', 'twitter:site') || ld.siteName;
  meta.publishedTime = pick('article:published_time', 'og:published_time', 'datepublished', 'parsely-pub-date',
    'dc.date', 'date') || ld.published;
  if (!meta.publishedTime) {
    const t = doc.querySelector('article time[datetime], time[pubdate][datetime]');
    meta.publishedTime = t ? clean(t.getAttribute('datetime')) : null;
  }

  let favicon = null;
  try {
    const icons = [...doc.querySelectorAll('link[rel][href]')].filter((l) => /(^|\s)(icon|apple-touch-icon)(\s|$)/i.test(l.getAttribute('rel')));
    // Prefer the plain icon (shortcut icon / icon) over touch icons, then the first declared.
    const plain = icons.find((l) => /(^|\s)icon(\s|$)/i.test(l.getAttribute('rel')));
    favicon = abs((plain || icons[0] || { getAttribute: () => null }).getAttribute('href'));
  } catch (e) { errors.push('favicon: ' + e); }
  meta.favicon = favicon;
  const canon = doc.querySelector('link[rel~="canonical" i][href]');
  meta.canonicalUrl = canon ? abs(canon.getAttribute('href')) : abs(pick('og:url'));

  // ---- visible text: what a reader of the rendered page sees ----
  let visibleText = '';
  try {
    const body = doc.body;
    if (body && body.localName !== 'frameset') visibleText = body.innerText || '';
    else if (root) {
      // Frameset or no body: same-origin frame documents hold the text; fall back to the markup's text.
      const parts = [];
      for (const f of doc.querySelectorAll('frame, iframe')) {
        try { const b = f.contentDocument && f.contentDocument.body; if (b) parts.push(b.innerText); } catch {}
      }
      visibleText = parts.join('\n\n') || (root.innerText || root.textContent || '');
    }
  } catch (e) { errors.push('visible text: ' + e); }
  visibleText = visibleText.replace(/[ \t\u00a0]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim().slice(0, maxChars);

  // ---- Readability, on a clone so the live page is untouched ----
  let readability = null;
  let readableText = null;
  const blockTags = new Set(['address','article','aside','blockquote','dd','details','div','dl','dt','figcaption','figure','footer','form','h1','h2','h3','h4','h5','h6','header','hr','li','main','nav','ol','p','pre','section','summary','table','tbody','thead','tfoot','tr','ul']);
  const textWithBreaks = (node) => {
    const out = [];
    const walk = (n, pre) => {
      if (n.nodeType === 3) { out.push(pre ? n.data : n.data.replace(/\s+/g, ' ')); return; }
      if (n.nodeType !== 1) return;
      const tag = n.localName;
      if (tag === 'br') { out.push('\n'); return; }
      if (tag === 'script' || tag === 'style' || tag === 'noscript' || tag === 'template') return;
      const block = blockTags.has(tag);
      if (block) out.push('\n\n');
      if (tag === 'td' || tag === 'th') out.push('\t');
      for (let c = n.firstChild; c; c = c.nextSibling) walk(c, pre || tag === 'pre');
      if (block) out.push('\n\n');
    };
    walk(node, false);
    return out.join('').replace(/[ \t]+\n/g, '\n').replace(/\n[ \t]+/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  };
  if (Readability && root && doc.body) {
    try {
      const clone = doc.cloneNode(true);
      const article = new Readability(clone, { maxElemsToParse: __opts.maxElems, serializer: (el) => el }).parse();
      if (article) {
        readability = {
          title: clean(article.title), byline: clean(article.byline), excerpt: clean(article.excerpt),
          siteName: clean(article.siteName), publishedTime: clean(article.publishedTime),
          lang: clean(article.lang), dir: clean(article.dir),
        };
        readableText = article.content ? textWithBreaks(article.content).slice(0, maxChars) : null;
      }
    } catch (e) { errors.push('readability: ' + e); }
  }
  return { meta, readability, readableText: readableText || null, visibleText, errors };
})()
`;
