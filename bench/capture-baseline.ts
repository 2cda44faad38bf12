// The baseline, in a process of its own (forked by capture-bench.ts): Debian's `chromium` launched
// once per page with its own headless screenshot command, the way ArchiveBox takes its screenshots
// (`chromium --headless --screenshot=FILE --window-size=1280,800 URL`), one page at a time, behind
// the project's own egress proxy. In scenario 1 that proxy refuses every name at once, without
// asking DNS (only the corpus server, an IP literal, is allowed): the cheapest refusal there is, so
// the baseline never waits on the machine's resolver. In scenario 2 it has the product's allow list
// and the same simulated resolver, so both sides meet the same latency. A page counts as captured
// when Chromium wrote a PNG.
//
// IPC: sends {type:'ready', proxyUrl}; on {type:'run', urls} runs them one after another and sends
// {type:'result', results}; on {type:'stop'} exits.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEgressPolicy } from '../src/core/egress/policy.js';
import { startEgressProxy } from '../src/core/egress/proxy.js';
import { silentLogger } from '../src/core/logger.js';
import { isEntryPoint, simulatedResolver } from './capture-shared.js';
import { TestChromiumArgs } from '../test/helpers/chromium.js';

export interface BaselineChildOptions {
  executable: string;
  allowNets: string[];
  /**
   * Every name resolves to this address, except reserved test names (scenario 2, as for the
   * product); null: every name is refused at once without asking DNS (scenario 1, where only the
   * corpus server, an IP literal, may be reached; the lightest proxy there can be).
   */
  resolveTo: string | null;
  ignoreCertificateErrors: boolean;
  /** Chromium's own stop (`--timeout`), the product's navigation deadline. */
  pageTimeoutMs: number;
  /** Killed after this long without exiting: a failure. */
  killAfterMs: number;
}

export interface BaselinePageResult {
  url: string;
  ms: number;
  ok: boolean;
  error: string | null;
}

/** The flags this machine needs to run Chromium as root: the tests' own list. */
export const MinimumFlags = TestChromiumArgs;

export function baselineArgs(options: BaselineChildOptions, proxyUrl: string, screenshot: string, profile: string, url: string): string[] {
  return [
    '--headless',
    `--screenshot=${screenshot}`,
    '--window-size=1280,800',
    `--timeout=${options.pageTimeoutMs}`,
    ...MinimumFlags,
    `--user-data-dir=${profile}`,
    `--proxy-server=${proxyUrl}`,
    // Loopback (the corpus) goes through the proxy too, as in the product.
    '--proxy-bypass-list=<-loopback>',
    ...(options.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : []),
    url,
  ];
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as BaselineChildOptions;
  const policy = createEgressPolicy({
    allowNets: options.allowNets,
    onlyAllowed: true,
    resolve: options.resolveTo ? simulatedResolver(options.resolveTo) : refuseEveryName,
  });
  const proxy = await startEgressProxy({ policy, logger: silentLogger });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'linksnap-bench-baseline-'));
  process.on('exit', () => {
    try {
      rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a helper of a killed browser still writing; /tmp is cleaned by the system
    }
  });
  process.on('disconnect', () => process.exit(0));
  let counter = 0;

  const capture = async (url: string): Promise<BaselinePageResult> => {
    const n = ++counter;
    const profile = path.join(scratch, `profile-${n}`);
    const screenshot = path.join(scratch, `shot-${n}.png`);
    const started = performance.now();
    const child = spawn(options.executable, baselineArgs(options, proxy.url, screenshot, profile, url), { stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.killAfterMs);
    const exit = await new Promise<{ code: number | null; error: Error | null }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('exit', (code) => resolve({ code, error: null }));
    });
    clearTimeout(timer);
    const ms = performance.now() - started;
    let error: string | null = null;
    if (exit.error) error = exit.error.message;
    else if (killed) error = `killed after ${options.killAfterMs} ms`;
    else if (!isPng(screenshot)) error = `no screenshot (exit code ${exit.code})`;
    // A killed Chromium's helpers may still be writing into the profile: retry, and leave what
    // remains to the scratch folder's removal at exit rather than end the run.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      rmSync(screenshot, { force: true });
    } catch {
      // removed with the scratch folder
    }
    return { url, ms, ok: error === null, error };
  };

  process.on('message', (message: { type?: string; urls?: string[] }) => {
    if (message?.type === 'run') {
      void (async () => {
        const results: BaselinePageResult[] = [];
        for (const url of message.urls ?? []) results.push(await capture(url));
        process.send?.({ type: 'result', results });
      })();
    }
    if (message?.type === 'stop') {
      void proxy.close().finally(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', proxyUrl: proxy.url });
}

async function refuseEveryName(host: string): Promise<never> {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
}

function isPng(file: string): boolean {
  try {
    if (statSync(file).size < 100) return false;
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(8);
    readSync(fd, head, 0, 8, 0);
    closeSync(fd);
    return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  } catch {
    return false;
  }
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`capture-baseline: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
