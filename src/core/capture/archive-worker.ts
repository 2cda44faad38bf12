// The worker thread that turns an MHTML snapshot into the single-file HTML archive (see
// archive-step.ts, which starts it). Parsing a large MHTML and its HTML with parse5 takes seconds of
// CPU; here it never holds up Node's main thread, where the web pages and the chat acks are served.
//
// In:  { id, mhtml: Uint8Array (usually a view on a SharedArrayBuffer, read in place), maxBytes }
// Out: { id, ok: true, html: Uint8Array (its buffer transferred, not copied), threadId, ms }
//   or { id, ok: false, code, message, threadId }
import { isAscii } from 'node:buffer';
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { parentPort, threadId } from 'node:worker_threads';
import { ErrorCode, LinksnapError } from '../errors.js';
import { mhtmlToHtml } from './archive/mhtml-to-html.js';

/** Nice value of the worker thread: below the main thread, which stays at the process's own. */
const WorkerNice = 5;

export interface ArchiveJob {
  id: number;
  /** The MHTML's UTF-8 bytes. */
  mhtml: Uint8Array;
  maxBytes: number;
}

export type ArchiveReply =
  | { id: number; ok: true; html: Uint8Array; threadId: number; ms: number }
  | { id: number; ok: false; code: ErrorCode; message: string; threadId: number };

export function convertJob(job: ArchiveJob): { html: Uint8Array; ms: number } {
  const started = performance.now();
  const bytes = Buffer.from(job.mhtml.buffer, job.mhtml.byteOffset, job.mhtml.byteLength);
  // Blink writes 7-bit MHTML; ASCII decodes as latin1, a plain copy, much cheaper than UTF-8.
  const html = mhtmlToHtml(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8'), { maxBytes: job.maxBytes });
  // A buffer of its own (never Node's shared pool), so it can be transferred back without a copy.
  const length = Buffer.byteLength(html, 'utf8');
  const out = new Uint8Array(new ArrayBuffer(length));
  Buffer.from(out.buffer).write(html, 0, length, 'utf8');
  return { html: out, ms: Math.round(performance.now() - started) };
}

function errorReply(id: number, error: unknown): ArchiveReply {
  if (error instanceof LinksnapError) return { id, ok: false, code: error.code, message: error.message, threadId };
  const message = error instanceof Error ? error.message : String(error);
  return { id, ok: false, code: ErrorCode.Internal, message: `conversion failed: ${message}`, threadId };
}

/**
 * Lowers this thread's CPU priority (Linux: a thread id is a valid target of setpriority), so on a
 * busy machine the main thread, which answers web requests and chat acks, gets the CPU first.
 */
function yieldCpuToMainThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, WorkerNice);
  } catch {
    // Not Linux, or not allowed: the worker simply runs at the process's priority.
  }
}

if (parentPort) {
  const port = parentPort;
  yieldCpuToMainThread();
  port.on('message', (job: ArchiveJob) => {
    let reply: ArchiveReply;
    try {
      const { html, ms } = convertJob(job);
      reply = { id: job.id, ok: true, html, threadId, ms };
    } catch (error) {
      reply = errorReply(job.id, error);
    }
    port.postMessage(reply, reply.ok ? [reply.html.buffer as ArrayBuffer] : []);
  });
}
