// One capture as a WACZ: the exchanges the page made, its screenshot and readable text, one page.
import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { RecordedExchange } from '../capture/response-recorder.js';
import { WarcFileWriter } from './warc-file.js';
import { WaczWriter } from './wacz-writer.js';

export interface CaptureWaczInput {
  /** The URL the browser loaded: replay starts there. */
  url: string;
  title: string | null;
  capturedAt: Date;
  exchanges: RecordedExchange[];
  screenshot?: Buffer;
  text?: string;
}

export const WaczSoftware = 'linksnap';

export async function captureWacz(input: CaptureWaczInput): Promise<Buffer> {
  const warc = new WarcFileWriter('data.warc.gz');
  await warc.addWarcinfo({ software: WaczSoftware, description: `Capture of ${input.url}` }, input.capturedAt);
  for (const exchange of input.exchanges) await warc.addExchange(exchange);
  if (input.screenshot) await warc.addResource(`urn:view:${input.url}`, 'image/png', input.screenshot, input.capturedAt);
  if (input.text) await warc.addResource(`urn:text:${input.url}`, 'text/plain; charset=utf-8', Buffer.from(input.text, 'utf8'), input.capturedAt);
  const file = warc.finish();

  const wacz = new WaczWriter(input.capturedAt);
  const bytes = buffer(wacz.stream);
  try {
    await wacz.addWarc(file.name, file.data, file.index);
    wacz.addPage({ id: randomUUID().replace(/-/g, ''), url: input.url, title: input.title, ts: input.capturedAt, text: input.text });
    await wacz.finish({ title: input.title ?? input.url, software: WaczSoftware, mainPage: { url: input.url, ts: input.capturedAt } });
  } catch (error) {
    // The collected bytes would reject too; that rejection is this one, already being thrown.
    bytes.catch(() => {});
    wacz.abort(error as Error);
    throw error;
  }
  return bytes;
}
