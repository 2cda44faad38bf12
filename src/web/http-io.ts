// Reading request bodies within a byte cap and writing responses with the headers every
// response of ours carries.
import type http from 'node:http';
import { TooLargeError } from '../core/errors.js';
import { BadRequestError } from './web-errors.js';
import type { SafeHtml } from './html.js';

export const MaxJsonBodyBytes = 64 * 1024;
export const MaxFormBodyBytes = 16 * 1024;

/** Our own pages: scripts and styles from this origin only, frames only from this origin. */
export const PageCsp =
  "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; frame-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

const CommonHeaders = {
  'x-content-type-options': 'nosniff',
  // Signed links carry their signature in the URL; never hand it to another site.
  'referrer-policy': 'no-referrer',
};

export async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new TooLargeError('The request body', maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new TooLargeError('The request body', maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '');
  // Requiring JSON also forces a CORS preflight on cross-site fetches, which we never answer.
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new BadRequestError(`Send the request body as application/json (got ${type || 'no content type'})`);
  }
  const body = await readBody(req, MaxJsonBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || 'null');
  } catch (error) {
    throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequestError('The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    req.resume();
    throw new BadRequestError(`Send the form as application/x-www-form-urlencoded (got ${type || 'no content type'})`);
  }
  return new URLSearchParams((await readBody(req, MaxFormBodyBytes)).toString('utf8'));
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = status === 204 ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...CommonHeaders,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: http.ServerResponse, status: number, page: SafeHtml, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, {
    ...CommonHeaders,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PageCsp,
    'x-frame-options': 'SAMEORIGIN',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(page.value);
}

export function redirect(res: http.ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...CommonHeaders, location, 'cache-control': 'no-store', ...headers });
  res.end();
}

export function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...CommonHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // A cookie someone else's page set with bad escapes; ignore it rather than fail the request.
    }
  }
  return out;
}

/** `secure` when the public URL is https (behind a TLS proxy), so the cookie never travels in clear. */
export function cookie(name: string, value: string, options: { maxAgeSec?: number; httpOnly?: boolean; secure?: boolean } = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'SameSite=Strict'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${options.maxAgeSec}`);
  return parts.join('; ');
}
