// `npm run bench`: runs every benchmark and writes BENCHMARKS.md. Each figure is measured in this
// run, next to its baseline measured in the same process, so ratios compare like with like.
// Flags: --only capture,find,discord,slack   --pages N (corpus pages for capture)   --n N (find size)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    pages: { type: 'string' },
    n: { type: 'string' },
    out: { type: 'string' },
  },
});
const only = new Set((values.only ?? 'capture,find,discord,slack').split(','));
const corpusDir = path.resolve('..', 'shared', 'corpus', 'pages');
const outFile = path.resolve(values.out ?? 'BENCHMARKS.md');

const sections: string[] = [];
const started = new Date();
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

if (only.has('capture')) {
  if (!fs.existsSync(corpusDir)) {
    sections.push(`## Capture\n\nSkipped: the corpus folder ${corpusDir} is missing.\n`);
  } else {
    log('capture: corpus at concurrency 1 and 2, against a browser-per-page baseline …');
    const { runCaptureBench } = await import('./capture-bench.js');
    const pages = values.pages ? Number(values.pages) : undefined;
    const result = await runCaptureBench({ corpusDir, pages, concurrencies: [1, 2] });
    const cpu = (ms: number | null) => (ms === null ? '—' : fmt(ms));
    const base = result.baseline;
    const same = result.sameBuildBaseline;
    const name = (file: string) => `\`${path.basename(file)}\``;
    const baselineRow = (label: string, b: typeof base, concurrency: number, vsSame: string) =>
      `| ${label}: fresh ${name(b.executable)} per page, one screenshot | ${concurrency} | ${b.capturesPerMinute.toFixed(1)} | ${fmt(b.p50Ms)} | ${fmt(b.p95Ms)} | ${cpu(b.cpuMsPerCapture)} | ${b.failures} | ${b.vsBaseline.toFixed(2)}× |${same ? ` ${vsSame} |` : ''}`;
    const sameAt2 = result.sameBuildBaselineAt2;
    const rows = [
      baselineRow('baseline', base, 1, '—'),
      ...(same ? [baselineRow('same-build baseline', same, 1, '1.00×')] : []),
      baselineRow('baseline, two at once', result.baselineAt2, 2, '—'),
      ...(sameAt2 && same ? [baselineRow('same-build baseline, two at once', sameAt2, 2, `${(sameAt2.capturesPerMinute / same.capturesPerMinute).toFixed(2)}×`)] : []),
      ...result.runs.map(
        (run) =>
          `| linksnap pipeline (all artifacts), ${name(result.pipelineExecutable)} | ${run.concurrency} | ${run.capturesPerMinute.toFixed(1)} | ${fmt(run.p50Ms)} | ${fmt(run.p95Ms)} | ${cpu(run.cpuMsPerCapture)} | ${run.failures} | ${run.speedupVsBaseline.toFixed(2)}× |${run.speedupVsSameBuild !== null ? ` ${run.speedupVsSameBuild.toFixed(2)}× |` : ''}`,
      ),
    ];
    const at2 = result.runs.find((run) => run.concurrency === 2);
    const likeForLike = at2
      ? ` Like for like at concurrency 2 (each baseline also launching two browsers at once): ${(at2.capturesPerMinute / result.baselineAt2.capturesPerMinute).toFixed(2)}× the \`${path.basename(base.executable)}\` baseline${sameAt2 ? `, ${(at2.capturesPerMinute / sameAt2.capturesPerMinute).toFixed(2)}× the same-build one` : ''}.`
      : '';
    const steps = Object.entries(result.stepsP50Ms)
      .sort((a, b) => b[1] - a[1])
      .map(([step, ms]) => `${step} ${fmt(ms)} ms`)
      .join(', ');
    const best = Math.max(...result.runs.map((run) => run.speedupVsBaseline));
    sections.push(`## Capture throughput and latency (${result.pages} corpus pages, loopback only)

| what | concurrency | captures/min | p50 ms | p95 ms | CPU ms per capture | failures | throughput vs baseline |${same ? ' vs same-build baseline |' : ''}
| --- | --- | --- | --- | --- | --- | --- | --- |${same ? ' --- |' : ''}
${rows.join('\n')}

Target: at least 2× the baseline's throughput (the issue's baseline: one page at a time): **${best >= 2 ? 'met' : 'not met'}** in this run (best ${best.toFixed(2)}×).${likeForLike}
Ratios in the last two columns are against the concurrency-1 rows.
The pipeline makes every artifact (viewport and full-page screenshots, thumbnail, MHTML, single-file
HTML, readable and visible text, metadata), behind the egress proxy, with ad and tracker blocking and
cookie-banner opt-out; each baseline launches a browser per page and takes one screenshot. The
baseline runs ${name(base.executable)} with Puppeteer's default headless mode for it, what a naive
archiver runs.${same ? ` The pipeline runs ${name(result.pipelineExecutable)}, the build the product picks; the same-build
baseline launches that build per page too, to show how much of the gain is the build and how much
the pipeline: on pages served from loopback every capture is CPU-bound, and the headless shell's
launch is cheap.` : ''} CPU per capture counts this process and every browser process under it.

Overhead against the page's own load time (concurrency 1, medians): the page loads in
${fmt(result.overhead.pageLoadP50Ms)} ms, the whole capture takes ${fmt(result.overhead.captureP50Ms)} ms
(overhead ${fmt(result.overhead.overheadP50Ms)} ms, ${result.overhead.captureToLoadRatio.toFixed(2)}× the load time).

Median time per step: ${steps}.
`);
  }
}

if (only.has('find')) {
  const n = values.n ? Number(values.n) : 100_000;
  log(`find: building ${n} synthetic snapshots …`);
  const { runFindBench } = await import('./find-bench.js');
  const result = await runFindBench({ n });
  const rows = (
    [
      ['newest first, no filter', result.newestFirst],
      ['by one tag', result.byTag],
      ['by two tags (AND)', result.byTwoTags],
      ['by text (3+ chars, trigram index)', result.byText],
      ['by 2-character Chinese text', result.byCjkTwoChars],
      ['by tag and text', result.byTagAndText],
      ['second page (cursor)', result.secondPage],
    ] as const
  ).map(
    ([label, f]) =>
      `| ${label} | ${f.queries} | ${fmt(f.p50Ms)} | ${fmt(f.p95Ms)} | ${fmt(f.maxMs)} | ${fmt(f.p95CpuMs)} | ${f.meanItems.toFixed(1)} |`,
  );
  sections.push(`## find latency on ${result.n.toLocaleString('en-US')} snapshots

Database built in ${result.buildSeconds.toFixed(1)} s, ${result.dbMegabytes.toFixed(0)} MB. Target: p95 under 20 ms.

| query | queries | p50 ms | p95 ms | max ms | p95 CPU ms | mean items |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`);
}

if (only.has('discord')) {
  log('discord: interaction → defer and command → final reply …');
  const { runDiscordBench } = await import('./discord-bench.js');
  const result = await runDiscordBench();
  const { defer, finalReply } = result;
  sections.push(`## Discord: interaction to defer, and command to final reply

Discord allows 3 s for the defer. ${defer.count} /snap interactions, ${defer.concurrency} at a time, while
${result.backgroundCaptures} captures run in the background; the stand-in Discord and the bot share one process.

| measure | samples | p50 ms | p99 ms | max ms |
| --- | --- | --- | --- | --- |
| INTERACTION_CREATE → defer callback | ${defer.count} | ${fmt(defer.p50Ms)} | ${fmt(defer.p99Ms)} | ${fmt(defer.maxMs)} |
| /snap → final reply with thumbnail (fixture page) | ${finalReply.count} | ${fmt(finalReply.p50Ms)} | ${fmt(finalReply.p99Ms)} | ${fmt(finalReply.maxMs)} |
`);
}

if (only.has('slack')) {
  log('slack: signed slash command → 200 ack under load …');
  const { runSlackBench } = await import('./slack-bench.js');
  const rows: string[] = [];
  for (const concurrency of [1, 10, 20]) {
    const result = await runSlackBench({ requests: 300, concurrency });
    rows.push(`| ${concurrency} | ${result.requests} | ${fmt(result.p50Ms)} | ${fmt(result.p99Ms)} | ${fmt(result.maxMs)} | ${result.failures} |`);
  }
  sections.push(`## Slack: signed slash command to its 200 ack

Slack allows 3 s. The load generator, the stand-in Slack and the app share one process.

| commands in flight | requests | p50 ms | p99 ms | max ms | non-200 |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`);
}

const header = `# Benchmarks

Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` on ${os.cpus().length} cores
(${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}.
All traffic stays on 127.0.0.1. Figures move with machine load; compare ratios within one run.
`;

const previous = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
const merged = mergeSections(previous, sections);
fs.writeFileSync(outFile, `${header}\n${merged.join('\n')}`);
log(`wrote ${outFile}`);
process.exit(0);

/** Keeps sections of benchmarks not run this time (--only), replacing those that were. */
function mergeSections(old: string, fresh: string[]): string[] {
  const titleOf = (section: string) => section.split('\n')[0].replace(/\(.*$/, '').replace(/ on [\d,]+ snapshots/, '').trim();
  const kept = old
    .split(/\n(?=## )/)
    .filter((section) => section.startsWith('## '))
    .filter((section) => !fresh.some((f) => titleOf(f) === titleOf(section)));
  return [...fresh, ...kept.map((s) => `${s.trimEnd()}\n`)];
}
