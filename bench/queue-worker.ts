// One capture worker process for the queue benchmark: what `linksnap worker` starts (createApp from
// loadConfig over the environment, its job runner, its store and blob store), with the browser's
// page load replaced by a stub that waits `QUEUE_BENCH_PAGE_MS` (a page's time on the network) and
// returns a small page with a distinct screenshot. Everything after the page load is the product's:
// lease, renewal, thumbnail, blob writes, the result and the job's completion in one transaction,
// and the NOTIFY (Postgres) that wakes the serving process.
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { CaptureOutput } from '../src/core/capture/types.js';
import { silentLogger } from '../src/core/logger.js';
import sharp from 'sharp';
import { isEntryPoint } from './capture-shared.js';

async function main(): Promise<void> {
  const pageMs = Number(process.env.QUEUE_BENCH_PAGE_MS ?? '0');
  const config = loadConfig(process.env, process.cwd());
  let n = 0;
  const app = await createApp({
    config,
    logger: silentLogger,
    captureUrl: async (url: string) => {
      if (pageMs > 0) await new Promise((resolve) => setTimeout(resolve, pageMs));
      n += 1;
      // A distinct 320×200 PNG per page, so every capture writes its own blobs.
      const shade = (n * 37) % 256;
      const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: shade, g: (n >> 8) % 256, b: process.pid % 256 } } }).png().toBuffer();
      const output: CaptureOutput = {
        kind: 'html',
        finalUrl: url,
        httpStatus: 200,
        contentType: 'text/html',
        metadata: { title: `Page ${url}` },
        degraded: false,
        degradedReason: null,
        partial: false,
        blockedRequests: [],
        artifacts: { screenshot: { data: png, mime: 'image/png' } },
        text: `Readable text of ${url}: queue benchmark page number ${n} from worker ${process.pid}.`,
        consent: null,
        timings: {},
        dropped: [],
      } as unknown as CaptureOutput;
      return output;
    },
  });
  process.stdout.write('queue-worker ready\n');
  const stop = async () => {
    await app.close();
    // How many pages this worker captured: the benchmark adds them up to count duplicate captures.
    process.stdout.write(`queue-worker captured ${n}\n`, () => process.exit(0));
  };
  process.on('SIGTERM', () => void stop());
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`queue-worker: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
