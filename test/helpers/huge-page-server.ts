// Serves pages far larger than the capture caps, quickly and without stalling the test's own event
// loop (the server shares the process with the capture under test): the HTML is streamed in 1 MB
// chunks made once, with backpressure, and chunked (no Content-Length, as a streaming site sends
// it, so preflight lets it through to the browser). Also a small page with large images, whose
// weight is all in sub-resources.
//   /huge-text?mb=N&p=K   N MB of HTML text in paragraphs of about K bytes, in 1 MB sections
//                         (cv=0: without content-visibility, far slower for Chromium to render)
//   /huge-images?n=N      a short article with N noise PNGs of about 4.4 MB each
//   /inline-image?n=N     N copies of that PNG inline, as data: URIs in the markup
//   /carousel?n=N         fetches N of those PNGs, then takes them all out of the page
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

export interface HugePageServer {
  url(pathname: string): string;
  origin: string;
  requests: string[];
  close(): Promise<void>;
}

const Words = 'the quick brown fox jumps over the lazy dog while seven wizards quietly hex a jovial bard '.split(' ').filter(Boolean);

function paragraphs(bytes: number, paragraphBytes: number, seed: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  let i = seed;
  while (size < bytes) {
    let text = `Paragraph ${i}:`;
    while (text.length < paragraphBytes) text += ` ${Words[(i * 7 + text.length) % Words.length]}`;
    const p = `<p>${text}</p>\n`;
    parts.push(p);
    size += p.length;
    i++;
  }
  return Buffer.from(parts.join(''), 'utf8');
}

export async function startHugePageServer(): Promise<HugePageServer> {
  const requests: string[] = [];
  const chunks = new Map<number, Buffer>();
  const chunkFor = (p: number) => {
    let chunk = chunks.get(p);
    if (!chunk) chunks.set(p, (chunk = paragraphs(1024 * 1024, p, 0)));
    return chunk;
  };
  const width = 1200;
  const height = 1200;
  const noise = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  const noiseBase64 = noise.toString('base64');

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://huge');
    requests.push(`${url.pathname}${url.search}`);
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === '/huge-text') {
      const mb = param('mb', 40);
      const chunk = chunkFor(param('p', 400));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      // content-visibility lets Chromium skip layout and paint of what is off screen, as long
      // pages built for the web do; without it a text page this size takes minutes to screenshot.
      const lazy = url.searchParams.get('cv') !== '0';
      const style = lazy ? '<style>section{content-visibility:auto;contain-intrinsic-size:auto 40000px}</style>' : '';
      res.write(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A page of ${mb} MB</title>${style}</head><body><h1>A page of ${mb} MB</h1>\n`);
      let sent = 0;
      const pump = () => {
        while (sent < mb) {
          sent++;
          const ok = lazy ? (res.write('<section>'), res.write(chunk), res.write('</section>\n')) : res.write(chunk);
          if (!ok) return void res.once('drain', pump);
        }
        res.end('<p id="last">The end of a very long page.</p></body></html>');
      };
      res.on('close', () => (sent = mb + 1));
      pump();
      return;
    }
    if (url.pathname === '/huge-images') {
      const n = param('n', 6);
      const images = Array.from({ length: n }, (_, i) => `<p><img src="/noise.png?i=${i}" width="600" height="600" alt="noise ${i}"></p>`).join('\n');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Heavy images</title></head><body><h1>Heavy images</h1><p>${'A short article that carries very large pictures. '.repeat(20)}</p>${images}</body></html>`);
      return;
    }
    if (url.pathname === '/carousel') {
      // Fetches N heavy pictures but shows only a small one at the end, as a carousel that moved
      // on does: what was fetched is not what the MHTML will hold.
      const n = param('n', 4);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Carousel</title></head><body><h1>Carousel</h1><p>${'A page that once showed heavy pictures. '.repeat(20)}</p><div id="slot"></div><script>
        const slot = document.getElementById('slot');
        for (let i = 0; i < ${n}; i++) { const img = new Image(); img.src = '/noise.png?slide=' + i; slot.append(img); }
        addEventListener('load', () => { slot.textContent = 'The carousel moved on.'; });
      </script></body></html>`);
      return;
    }
    if (url.pathname === '/inline-image') {
      // All its weight in one attribute (a data: URI), which the MHTML estimate does not count:
      // only the check after the snapshot can catch it.
      const copies = param('n', 1);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Inline image</title></head><body><h1>Inline image</h1>');
      for (let i = 0; i < copies; i++) res.write(`<p><img alt="inline ${i}" width="300" height="300" src="data:image/png;base64,${noiseBase64}"></p>`);
      res.end(`<p>${'A page whose weight is in its markup. '.repeat(20)}</p></body></html>`);
      return;
    }
    if (url.pathname === '/noise.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(noise.length) }).end(noise);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    requests,
    url: (pathname) => new URL(pathname, origin).toString(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
