// A PDF's first page as a PNG and its text, from Debian's poppler-utils (pdfinfo, pdftoppm,
// pdftotext) rather than pdf.js: pdfjs-dist's current releases need Node 22 and this runs on 20,
// and a separate process is also the better place for a parser of untrusted input. Whatever a
// hostile PDF does to poppler (loops, huge allocations, crashes) stays in a child process that is
// killed at a deadline, limited in memory where prlimit exists, and read through capped pipes.
//
// Each tool runs without a shell on a copy of the PDF in a private temporary folder (mode 0700,
// removed afterwards), with -q so a damaged file cannot flood the log. pdfinfo has no -q in
// poppler 22 (Debian 12); its stderr is read to tell a password-protected file from a broken one.
import { spawn } from 'node:child_process';
import { isExecutable } from './find-chrome.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PopplerTools {
  pdfinfo: string;
  pdftoppm: string;
  pdftotext: string;
  /** util-linux prlimit, to cap a tool's address space; null where there is none (macOS). */
  prlimit: string | null;
}

/** Where Debian, Homebrew and MacPorts put them, tried before `searchPath`. */
const FixedDirs = ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/opt/local/bin'];

/** The three tools from one folder (so one poppler version), or null when poppler-utils is missing. */
export function findPoppler(searchPath = ''): PopplerTools | null {
  const dirs = [...FixedDirs, ...searchPath.split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const tools = { pdfinfo: path.join(dir, 'pdfinfo'), pdftoppm: path.join(dir, 'pdftoppm'), pdftotext: path.join(dir, 'pdftotext') };
    if (Object.values(tools).every(isExecutable)) {
      return { ...tools, prlimit: ['/usr/bin/prlimit', '/bin/prlimit'].find(isExecutable) ?? null };
    }
  }
  return null;
}

let found: PopplerTools | null | undefined;
/** Looked up once per process, like the browser: a capture should not stat the disk for it. */
export function poppler(): PopplerTools | null {
  if (found === undefined) found = findPoppler();
  return found;
}


export interface PdfRenderOptions {
  tools: PopplerTools;
  /** The first page is scaled so its longer side is this many pixels (the viewport width). */
  longSidePx: number;
  maxImageBytes: number;
  maxTextChars: number;
  /** All of poppler's work for one PDF; past it, what is missing is dropped, never the capture. */
  timeoutMs?: number;
  /** Text is read from at most this many pages: a 2,000-page scan must not hold a capture slot. */
  maxTextPages?: number;
}

export interface RenderedPdf {
  title: string | null;
  author: string | null;
  pages: number | null;
  /** The first page as a PNG, its longer side `longSidePx`. */
  firstPage: Buffer | null;
  text: string | null;
  /** Why `firstPage` is null. */
  imageProblem: string | null;
  /** Why `text` is null. */
  textProblem: string | null;
  ms: { info: number; image: number; text: number };
}

export const PdfTimeoutMs = 20_000;
export const PdfMaxTextPages = 100;
/**
 * Address space per tool. Rendering one page at 1280 px needs about 16 MB resident (a Chromium
 * PDF with a CJK font); scanned pages decode their images whole, so this leaves room for a
 * 600 dpi A3 scan while a decompression bomb fails instead of swapping the machine.
 */
const MaxAddressSpace = 1024 * 1024 * 1024;
const MaxInfoBytes = 256 * 1024;

class ToolTimeout extends Error {}

export async function renderPdf(pdf: Buffer, options: PdfRenderOptions, signal: AbortSignal): Promise<RenderedPdf> {
  const timeoutMs = options.timeoutMs ?? PdfTimeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const budget = AbortSignal.any([signal, deadline]);
  const ms = { info: 0, image: 0, text: 0 };
  const result: RenderedPdf = { title: null, author: null, pages: null, firstPage: null, text: null, imageProblem: null, textProblem: null, ms };
  const fail = (problem: string) => ({ ...result, imageProblem: problem, textProblem: problem });
  // The caller's abort (the capture's deadline, a cancelled job) ends the capture; our own
  // deadline only ends the PDF work.
  const explain = (error: unknown, what: string): string => {
    if (signal.aborted) throw signal.reason;
    if (error instanceof ToolTimeout || deadline.aborted) return `poppler took longer than ${timeoutMs / 1000} s on ${what}`;
    return `${what} failed: ${(error as Error).message}`;
  };

  const dir = await mkdtemp(path.join(os.tmpdir(), 'linksnap-pdf-'));
  try {
    const file = path.join(dir, 'in.pdf');
    await writeFile(file, pdf, { mode: 0o600, flag: 'wx' });

    const infoStarted = performance.now();
    try {
      const info = await runTool(options.tools, options.tools.pdfinfo, ['-enc', 'UTF-8', file], { maxBytes: MaxInfoBytes, signal: budget });
      ms.info = Math.round(performance.now() - infoStarted);
      if (info.code !== 0) return fail(openProblem(info.stderr));
      const fields = parseInfo(info.stdout.toString('utf8'));
      result.title = fields.title;
      result.author = fields.author;
      result.pages = fields.pages;
    } catch (error) {
      return fail(explain(error, 'reading the PDF'));
    }

    // Both read the same file and neither waits for the other.
    const image = (async () => {
      const imageStarted = performance.now();
      try {
        const run = await runTool(
          options.tools,
          options.tools.pdftoppm,
          ['-q', '-f', '1', '-l', '1', '-singlefile', '-png', '-scale-to', String(options.longSidePx), file],
          { maxBytes: options.maxImageBytes, signal: budget },
        );
        if (run.truncated) result.imageProblem = `the first page was larger than ${options.maxImageBytes} bytes as a PNG`;
        else if (run.code !== 0 || run.stdout.length === 0) result.imageProblem = `pdftoppm could not render the first page (exit ${run.code ?? run.signal})`;
        else result.firstPage = run.stdout;
      } catch (error) {
        result.imageProblem = explain(error, 'rendering the first page');
      } finally {
        ms.image = Math.round(performance.now() - imageStarted);
      }
    })();
    const text = (async () => {
      const textStarted = performance.now();
      try {
        const last = String(options.maxTextPages ?? PdfMaxTextPages);
        // UTF-8 is at most 4 bytes a character; the text is cut to its character cap below.
        const run = await runTool(options.tools, options.tools.pdftotext, ['-q', '-enc', 'UTF-8', '-nopgbrk', '-f', '1', '-l', last, file, '-'], {
          maxBytes: options.maxTextChars * 4,
          signal: budget,
          keepTruncated: true,
        });
        if (!run.truncated && run.code === 3) result.textProblem = 'the PDF does not allow its text to be copied';
        else if (!run.truncated && run.code !== 0) result.textProblem = `pdftotext could not read it (exit ${run.code ?? run.signal})`;
        else {
          const cleaned = cleanText(run.stdout.toString('utf8')).slice(0, options.maxTextChars);
          if (cleaned) result.text = cleaned;
          else result.textProblem = 'the PDF has no text layer (a scan, or text drawn as shapes)';
        }
      } catch (error) {
        result.textProblem = explain(error, 'reading the text');
      } finally {
        ms.text = Math.round(performance.now() - textStarted);
      }
    })();
    await Promise.all([image, text]);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function openProblem(stderr: string): string {
  if (/incorrect password/i.test(stderr)) return 'the PDF is protected by a password';
  const detail = stderr.split('\n').map((line) => line.trim()).filter(Boolean).at(-1);
  return `poppler could not open the PDF (damaged or truncated${detail ? `: ${detail.slice(0, 200)}` : ''})`;
}

/** pdfinfo's `Key:   value` lines; a value with a line break keeps its first line only. */
export function parseInfo(out: string): { title: string | null; author: string | null; pages: number | null } {
  const field = (key: string) => {
    const match = new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(out);
    const value = match?.[1].replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
    return value ? value.slice(0, 500) : null;
  };
  const pages = Number(field('Pages'));
  return { title: field('Title'), author: field('Author'), pages: Number.isInteger(pages) && pages > 0 ? pages : null };
}

function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\uFFFD+$/, '')
    .trim();
}

interface ToolRun {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout reached maxBytes and the tool was stopped there. */
  truncated: boolean;
}

/**
 * One poppler tool, no shell, stdout kept up to `maxBytes`. Past it the tool is killed: with
 * `keepTruncated` what arrived is returned (text is still useful cut short), else it counts as a
 * failure. spawn rather than execFile, whose maxBuffer throws the output away.
 */
function runTool(tools: PopplerTools, file: string, args: string[], options: { maxBytes: number; signal: AbortSignal; keepTruncated?: boolean }): Promise<ToolRun> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError' ? new ToolTimeout() : signal.reason);
    const [command, argv] = tools.prlimit ? [tools.prlimit, [`--as=${MaxAddressSpace}`, '--', file, ...args]] : [file, args];
    const child = spawn(command, argv, { shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let truncated = false;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      const reason = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError' ? new ToolTimeout() : signal.reason;
      finish(() => reject(reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      const room = options.maxBytes - size;
      if (chunk.length >= room) {
        // Equal counts too: a file exactly at the cap cannot be told from a longer one cut there.
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8').slice(0, 4096 - stderr.length);
    });
    child.on('error', (error) => finish(() => reject(error)));
    child.on('close', (code, killedBy) => {
      finish(() => {
        const stdout = Buffer.concat(chunks, size);
        if (truncated && !options.keepTruncated) resolve({ stdout: Buffer.alloc(0), stderr, code, signal: killedBy, truncated });
        else resolve({ stdout, stderr, code, signal: killedBy, truncated });
      });
    });
  });
}
