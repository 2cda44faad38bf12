// The door in front of Bolt on /slack/events, capped like the API: a request without Slack's
// signature headers (or with a timestamp that is not a number or more than five minutes off) gets
// 401 before a byte of its body is read; the body of the rest is counted as it arrives and cut with
// 413 past MaxJsonBodyBytes. A refused request's connection is closed once the answer is out, so a
// client cannot keep streaming. What passes reaches Bolt with `rawBody` already set: Bolt's
// HTTPReceiver takes that as a buffered request (as it does behind body-parser) and verifies the
// signature over exactly those bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MaxJsonBodyBytes, sendText } from '../../web/http-io.js';

export const MaxSlackBodyBytes = MaxJsonBodyBytes;

/** Slack's own replay window; Bolt refuses older timestamps too, but only after reading the body. */
const MaxClockSkewSec = 5 * 60;

export type BufferedSlackRequest = IncomingMessage & { rawBody: Buffer };

/** Why the request cannot be Slack's, judged from its headers alone; null when it may be. */
export function signatureHeadersProblem(req: IncomingMessage, nowMs = Date.now()): string | null {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || !signature) return 'Missing x-slack-signature header';
  if (typeof timestamp !== 'string' || !timestamp) return 'Missing x-slack-request-timestamp header';
  if (!/^\d{1,15}$/.test(timestamp)) return 'x-slack-request-timestamp is not a number of seconds';
  if (Math.abs(Number(timestamp) - nowMs / 1000) > MaxClockSkewSec) return 'x-slack-request-timestamp is more than 5 minutes off';
  return null;
}

/**
 * Checks the headers, reads the body within the cap, then calls `next` with the request carrying
 * `rawBody`. A refused request is answered here and `next` is never called.
 */
export function guardSlackRequest(req: IncomingMessage, res: ServerResponse, next: (req: BufferedSlackRequest) => void, maxBytes = MaxSlackBodyBytes): void {
  const problem = signatureHeadersProblem(req);
  if (problem) return refuse(req, res, 401, problem);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return refuse(req, res, 413, tooLarge(maxBytes));

  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  const finish = (action: () => void) => {
    if (done) return;
    done = true;
    req.off('data', onData);
    req.off('end', onEnd);
    action();
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) return finish(() => refuse(req, res, 413, tooLarge(maxBytes)));
    chunks.push(chunk);
  };
  const onEnd = () => finish(() => next(Object.assign(req, { rawBody: Buffer.concat(chunks, size) })));
  req.on('data', onData);
  req.on('end', onEnd);
  // A client that goes away mid-body leaves nothing to answer.
  req.once('error', () => finish(() => res.destroy()));
}

function tooLarge(maxBytes: number): string {
  return `The request body is larger than the limit of ${Math.round(maxBytes / 1024)} KiB`;
}

/** Answers at once and closes the connection once the answer is out; the rest of the body is never read. */
function refuse(req: IncomingMessage, res: ServerResponse, status: 401 | 413, reason: string): void {
  const socket = req.socket;
  req.pause();
  res.once('finish', () => socket.destroy());
  res.once('close', () => socket.destroy());
  sendText(res, status, reason, { connection: 'close' });
}
