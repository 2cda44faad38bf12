// `npm run bench`: runs every benchmark and writes BENCHMARKS.md. Each figure is measured in this
// run, next to its baseline measured in the same process, so ratios compare like with like.
// Flags: --only capture,wacz,find,find-postgres,discord,slack,chat-load,fair-lease,cross-process,artifacts,queue,watch   --pages N (corpus pages for capture)   --n N (find size; watch count)
//        --scenario 1,2,dead (parts of capture)   --concurrency default,4,8 (capture's product rows)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    pages: { type: 'string' },
    scenario: { type: 'string' },
    concurrency: { type: 'string' },
    n: { type: 'string' },
    out: { type: 'string' },
  },
});
const only = new Set((values.only ?? 'capture,wacz,find,find-postgres,discord,slack,chat-load,fair-lease,cross-process,artifacts,queue,watch').split(','));
const corpusDir = path.resolve('..', 'shared', 'corpus', 'pages');
const outFile = path.resolve(values.out ?? 'BENCHMARKS.md');

const sections: string[] = [];
/** In BENCHMARKS.md, a line after which a section's hand-written notes start; a run keeps them. */
const NotesMarker = '<!-- notes: kept when the section is measured again -->';
const started = new Date();
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

if (only.has('capture')) {
  if (!fs.existsSync(corpusDir)) {
    sections.push(`## Capture throughput and latency\n\nSkipped: the corpus folder ${corpusDir} is missing.\n`);
  } else {
    log('capture: linksnap serve through its HTTP API against Debian chromium per page, scenarios 1 (corpus as is), 2 (simulated internet) and the dead-host page …');
    const { runCaptureBench } = await import('./capture-bench.js');
    const pages = values.pages ? Number(values.pages) : undefined;
    const scenarios = values.scenario ? (values.scenario.split(',').map((s) => s.trim()) as Array<'1' | '2' | 'dead'>) : undefined;
    const concurrencies = values.concurrency ? values.concurrency.split(',').map((s) => s.trim()) : undefined;
    const result = await runCaptureBench({ corpusDir, pages, scenarios, concurrencies, log });
    type Row = (typeof result.rows)[number];
    /** Other processes using more than this many cores during a row make its absolute figures doubtful. */
    const BusyCores = 0.3;
    const num = (value: number | null, digits = 0) => (value === null ? '—' : value.toFixed(digits));
    const setting = (row: Row) => (row.kind === 'baseline' ? '1 (one page at a time)' : row.setting === 'default' ? `${row.concurrencyLimits?.length ? `${row.concurrency}, adapting up to ${Math.max(row.concurrency, ...row.concurrencyLimits)}` : row.concurrency} (default: LINKSNAP_CONCURRENCY unset)` : `${row.concurrency} (LINKSNAP_CONCURRENCY=${row.setting})`);
    const what = (row: Row) =>
      row.kind === 'baseline'
        ? `baseline: \`${path.basename(result.baselineExecutable)} --headless --screenshot\` per page`
        : 'linksnap serve: POST /api/snapshots, all at once';
    const tableRow = (row: Row) =>
      `| ${what(row)} | ${setting(row)} | ${row.capturesPerMinute.toFixed(1)} | ${fmt(row.p50Ms)} | ${fmt(row.p95Ms)} | ${num(row.cpuMsPerCapture)} | ${num(row.cpuBusyPct)}% | ${num(row.peakRssMb)} | ${num(row.peakPssMb)} | ${row.failures}${row.degraded ? ` (+${row.degraded} degraded)` : ''} | ${row.kind === 'baseline' ? '1.00×' : `**${num(row.ratioVsBaseline, 2)}×**`} | ${num(row.otherLoadCores, 2)}${(row.otherLoadCores ?? 0) > BusyCores ? ' ⚠' : ''} |`;
    const tableHead = `| what | captures at once | captures/min | p50 ms | p95 ms | CPU ms per capture | CPU use (of ${result.cores} cores) | peak RSS MB (sum) | peak PSS MB | failures | throughput vs baseline | others' load (cores) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`;
    const byScenario = (s: '1' | '2') => result.rows.filter((row) => row.scenario === s);
    const headline = (s: '1' | '2') => byScenario(s).find((row) => row.kind === 'product' && row.setting === 'default') ?? null;
    const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
    const stepsOf = (row: Row) =>
      Object.entries(row.stepsP50Ms ?? {})
        .filter(([step]) => step !== 'total')
        .sort((a, b) => b[1] - a[1])
        .map(([step, ms]) => `${step} ${Math.round(ms)}`)
        .join(', ');
    const details = (rows: Row[]) =>
      rows
        .filter((row) => row.kind === 'product' || row.failures > 0)
        .map((row) => {
          const parts = [`- ${row.kind === 'baseline' ? 'baseline' : `concurrency ${row.concurrency}`}:`];
          if (row.stepsP50Ms) parts.push(`median ms per step ${stepsOf(row)} (whole capture ${Math.round(row.stepsP50Ms.total ?? 0)});`);
          if (row.concurrencyLimits?.length) {
            const steps = [row.concurrency, ...row.concurrencyLimits];
            parts.push(`captures at once, as the governor set them: ${steps.slice(0, 24).join(' → ')}${steps.length > 24 ? ' …' : ''};`);
          }
          if (row.requestsPerPage !== null) parts.push(`${row.requestsPerPage} requests served per page;`);
          if (row.failureSamples.length) parts.push(`failures: ${row.failureSamples.map((f) => `\`${f.replace(/`/g, "'").replace(/\|/g, '/').slice(0, 160)}\``).join('; ')};`);
          const logLines = Object.entries(row.log?.counts ?? {});
          if (logLines.length) parts.push(`server log: ${logLines.map(([line, n]) => `${n}× ${line.replace(/\|/g, '/').slice(0, 120)}`).join('; ')};`);
          if (row.notes.length) parts.push(`${row.notes.join('; ')};`);
          return parts.join(' ').replace(/;$/, '.');
        })
        .join('\n');

    const out: string[] = [];
    out.push(`## Capture throughput and latency (${result.pages} corpus pages, the product path)

Each product row starts what \`linksnap serve\` starts (createApp: store, egress policy with the real
resolver, browser pool, service and job queue, plus the web server; no chat bots, no link-check
schedule) in a fresh process on an empty data folder, with \`LINKSNAP_ALLOW_NETS=127.0.0.1/32\`,
\`LINKSNAP_ONLY_ALLOWED=1\` and default settings unless the row says otherwise. The browser is
launched by a warm-up of two pages first, as on a server already running. Then every page is posted
at once with \`POST /api/snapshots\` (a team's burst), each result is awaited on its event stream
(\`GET /api/snapshots/:id/events\`, which ends at done or failed) and read back with
\`GET /api/snapshots/:id\`. Throughput is captures finished per minute from the first POST to the last
result; latency runs from a POST to its terminal status, so it includes waiting in the queue behind
the rest of the burst. The product makes every artifact (viewport and full-page screenshots,
thumbnail, MHTML, single-file HTML, readable and visible text, metadata), with ad and tracker
blocking and cookie-banner opt-out.

The baseline launches Debian's \`${result.baselineExecutable}\` once per page with its own screenshot
command, as ArchiveBox takes its screenshots (\`--headless --screenshot=FILE --window-size=1280,800\`,
plus the machine's minimum flags, a fresh \`--user-data-dir\` and \`--timeout=30000\`, the product's
navigation deadline), one page at a time, behind the project's egress proxy (\`--proxy-server\`,
\`--proxy-bypass-list=<-loopback>\`): in scenario 1 the proxy refuses every name at once without asking
DNS (only the corpus server, an IP literal, is allowed), so the baseline never waits on the machine's
resolver while the product uses it; in scenario 2 it has the product's allow list and resolver. A page
counts when a PNG was written. It takes one screenshot and nothing else: the lightest peer, so the
ratio is honest.

CPU and memory are those of the measured process tree only: the server process (or the baseline's
runner, which holds its proxy) and every Chromium process below it, sampled from /proc every 20 ms.
The corpus server, the simulated internet and the load generator run in other processes. "Peak RSS
(sum)" adds the RSS of every process, so pages shared between Chromium's processes count once per
process and the figure overstates the footprint; "peak PSS" divides shared pages among their users
(sampled once a second). "Others' load" is CPU used meanwhile by everything else on the machine
(other people's tests): when it is high, absolute figures suffer, and ratios less.
${result.rows.some((row) => (row.otherLoadCores ?? 0) > BusyCores) ? `Rows marked ⚠ ran while other processes used more than ${BusyCores} cores of the machine.\n` : ''}`);
    for (const s of ['1', '2'] as const) {
      const rows = byScenario(s);
      if (!rows.length) continue;
      out.push(
        s === '1'
          ? `### Scenario 1: the corpus as it is

Pages from 127.0.0.1 at loopback speed. The product sends their external references' names to the
system resolver (every external name answers NXDOMAIN on this machine; the allow list would refuse
any public address anyway); the baseline's proxy refuses them without a lookup.
`
          : `### Scenario 2: a simulated internet (${result.latencyMs} ms per request, ${result.mbit} Mbit/s per connection)

Every response, the corpus page's own included, starts ${result.latencyMs} ms after its request and
flows at most ${result.mbit} Mbit/s per connection. Every external name resolves (the injected resolver,
the same on both sides, and the allow list) to a loopback fixture that answers any path on ports 80
and 443 (h2 and http/1.1, self-signed certificate) with a stand-in picked by Sec-Fetch-Dest, the
extension, then Accept: a JPEG (~44 kB), PNG (~30 kB), WebP (~27 kB) or GIF image, empty CSS and
JavaScript, a 40 kB font-like blob, or a small HTML page. Reserved names (.test, .invalid, …) do not
resolve. Both sides run Chromium with \`--ignore-certificate-errors\` (the product's through
${result.certificateHook === 'browserArgs' ? "createApp's `browserArgs`" : result.certificateHook}). Connection set-up (TCP and TLS round trips) and DNS
time are not simulated, only the per-request wait and the bandwidth.
`,
      );
      out.push(`${tableHead}\n${rows.map(tableRow).join('\n')}\n`);
      const head = headline(s);
      const target = s === '1' ? 2 : 3;
      const products = rows.filter((row) => row.kind === 'product');
      const best = products.reduce<Row | null>((a, b) => (a && (a.ratioVsBaseline ?? 0) >= (b.ratioVsBaseline ?? 0) ? a : b), null);
      const lines: string[] = [];
      if (head) {
        lines.push(
          `Target at default settings: at least ${target}× the baseline's throughput${s === '1' ? ' (aim 2.5×)' : ''}: ${verdict((head.ratioVsBaseline ?? 0) >= target)} (${num(head.ratioVsBaseline, 2)}×${best && best !== head ? `; best row ${num(best.ratioVsBaseline, 2)}× at ${best.concurrency} at once` : ''}).`,
        );
        if (s === '1') {
          lines.push(
            `Memory at default settings, at most 1.2 GB: ${verdict((head.peakRssMb ?? Infinity) <= 1229)} by the summed RSS (${num(head.peakRssMb)} MB), ${verdict((head.peakPssMb ?? Infinity) <= 1229)} by PSS (${num(head.peakPssMb)} MB).`,
          );
        }
      }
      lines.push(details(rows));
      out.push(`${lines.join('\n')}\n`);
    }

    // Which concurrency wins in both scenarios (the issue: choose the default that wins on both).
    const settings = [...new Set(result.rows.filter((row) => row.kind === 'product').map((row) => row.setting))];
    if (byScenario('1').length && byScenario('2').length && settings.length > 1) {
      const ratio = (s: '1' | '2', value: string) => byScenario(s).find((row) => row.kind === 'product' && row.setting === value)?.ratioVsBaseline ?? null;
      const label = (value: string) => {
        const any = result.rows.find((row) => row.kind === 'product' && row.setting === value);
        return value === 'default' ? `default (${any?.concurrency ?? '?'})` : value;
      };
      const winner = (s: '1' | '2') => settings.reduce((a, b) => ((ratio(s, a) ?? 0) >= (ratio(s, b) ?? 0) ? a : b));
      const w1 = winner('1');
      const w2 = winner('2');
      out.push(`### Choosing the default concurrency

| LINKSNAP_CONCURRENCY | scenario 1 vs baseline | scenario 2 vs baseline |
| --- | --- | --- |
${settings.map((value) => `| ${label(value)} | ${num(ratio('1', value), 2)}× | ${num(ratio('2', value), 2)}× |`).join('\n')}

${w1 === w2 ? `${label(w1)} wins in both scenarios.` : `Scenario 1 is best at ${label(w1)}, scenario 2 at ${label(w2)}: no single setting wins both in this run.`}
`);
    }

    if (result.deadHost) {
      const d = result.deadHost;
      const stepDiff = Object.keys(d.deadStepsP50Ms)
        .filter((step) => step !== 'total')
        .map((step) => [step, (d.deadStepsP50Ms[step] ?? 0) - (d.twinStepsP50Ms[step] ?? 0)] as const)
        .filter(([, diff]) => Math.abs(diff) >= 20)
        .sort((a, b) => b[1] - a[1])
        .map(([step, diff]) => `${step} ${diff > 0 ? '+' : ''}${Math.round(diff)} ms`)
        .join(', ');
      out.push(`### Dead hosts: a page with 40 images on 4 hosts that do not exist, against its twin without them

Both pages are served from 127.0.0.1 and captured through the product path as above (system
resolver, default settings, ${d.concurrency} at once allowed), one capture at a time, alternating,
${d.runs} runs each. The images are on \`dead0\`…\`dead3.invalid-cdn.test\`, two hosts over http and two over https.

| page | runs | p50 ms | all runs, ms | failures |
| --- | --- | --- | --- | --- |
| 40 images on 4 dead hosts | ${d.runs} | ${fmt(d.deadP50Ms)} | ${d.deadMs.join(', ')} | ${d.deadFailures} |
| twin without them | ${d.runs} | ${fmt(d.twinP50Ms)} | ${d.twinMs.join(', ')} | ${d.twinFailures} |

Target: within 300 ms of the twin (p50): ${verdict(d.differenceMs <= 300)} (${d.differenceMs >= 0 ? '+' : ''}${Math.round(d.differenceMs)} ms; the median of the ${d.runs} back-to-back pairs' own differences, which drift in the machine's load moves less, is ${d.pairedDifferenceP50Ms >= 0 ? '+' : ''}${d.pairedDifferenceP50Ms} ms).${stepDiff ? ` Where the difference is (median step times, dead minus twin): ${stepDiff}.` : ''}${d.failureSamples.length ? ` Failures: ${d.failureSamples.join('; ')}.` : ''}
`);
    }
    out.push(`Run \`npm run bench -- --only capture\` (all of it), \`--pages N\` for the first N pages,
\`--scenario 1\`, \`2\` or \`dead\` (comma-separated) for one part, \`--concurrency default,4,8\` for the
product rows. Raw figures: \`node --import tsx bench/capture-bench.ts\` prints them as JSON.
`);
    sections.push(out.join('\n'));
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
      ['by one tag, as a member of 3 of 11 channels', result.byTagAsMember],
      ['by tag and text, as a member of 3 of 11 channels', result.byTagAndTextAsMember],
      ['/tags counts, as a member of 3 of 11 channels', result.tagCountsAsMember],
    ] as const
  ).map(
    ([label, f]) =>
      `| ${label} | ${f.queries} | ${fmt(f.p50Ms)} | ${fmt(f.p95Ms)} | ${fmt(f.maxMs)} | ${fmt(f.p95CpuMs)} | ${f.meanItems.toFixed(1)} |`,
  );
  sections.push(`## find latency on ${result.n.toLocaleString('en-US')} snapshots

Database built in ${result.buildSeconds.toFixed(1)} s, ${result.dbMegabytes.toFixed(0)} MB. A fifth of the links were shared in one
of ten private channels (their tags given there); the "as a member" rows see only what a member of
#general and two of them may (core/visibility.ts), the others everything (the local web page, the CLI).
Target: p95 under 20 ms.

| query | queries | p50 ms | p95 ms | max ms | p95 CPU ms | mean items |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`);
}

if (only.has('fair-lease') && fs.existsSync(corpusDir)) {
  log('fair lease: one workspace floods the queue with 40 links, another asks for one page …');
  const { runFairLeaseBench } = await import('./fair-lease-bench.js');
  const r = await runFairLeaseBench({ corpusDir, log });
  const list = (values: number[]) => values.map((ms) => fmt(ms)).join(', ');
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const delay = median(r.duringFloodMs) - median(r.aloneMs);
  sections.push(`## Fair leasing: another workspace's /snap during a flood

The real service, queue and Chromium (default concurrency, ${r.concurrency}). Workspace A posts ${r.floodLinks}
links at once (as core/chat hands them to the service); 1.5 s later workspace B asks for one corpus
page. B's time from snap() to a finished snapshot, against the same page asked for on the idle
service in the same process. Bar: the flood delays B by at most one capture. B waited
${fmt(delay)} ms longer (median) while one flood capture took ${fmt(r.floodCaptureP50Ms)} ms at p50:
**${delay <= r.floodCaptureP50Ms ? 'met' : 'not met'}**. (B's own capture also shares the 2 cores with the flood's.)

| runs | B alone, ms | B during the flood, ms | flood captures that ended before B | during / alone (median) |
| --- | --- | --- | --- | --- |
| ${r.aloneMs.length} | ${list(r.aloneMs)} | ${list(r.duringFloodMs)} | ${r.floodDoneBeforeB.join(', ')} of ${r.floodLinks} | **${r.ratio.toFixed(2)}×** |
`);
}

if (only.has('find-postgres')) {
  const n = values.n ? Number(values.n) : 100_000;
  log(`find-postgres: building ${n} synthetic snapshots in SQLite, then in Postgres …`);
  const { runFindBench } = await import('./find-bench.js');
  const sqlite = await runFindBench({ n });
  const postgres = await runFindBench({ n, backend: 'postgres' });
  const kinds = [
    ['newest first, no filter', 'newestFirst'],
    ['by one tag', 'byTag'],
    ['by two tags (AND)', 'byTwoTags'],
    ['by text (3+ chars)', 'byText'],
    ['by 2-character Chinese text', 'byCjkTwoChars'],
    ['by tag and text', 'byTagAndText'],
    ['second page (cursor)', 'secondPage'],
    ['by one tag, as a member of 3 of 11 channels', 'byTagAsMember'],
    ['by tag and text, as a member of 3 of 11 channels', 'byTagAndTextAsMember'],
    ['/tags counts, as a member of 3 of 11 channels', 'tagCountsAsMember'],
  ] as const;
  const rows = kinds.map(([label, key]) => {
    const a = sqlite[key];
    const b = postgres[key];
    return `| ${label} | ${fmt(a.p50Ms)} | ${fmt(a.p95Ms)} | ${fmt(b.p50Ms)} | ${fmt(b.p95Ms)} | ${a.meanItems.toFixed(1)} / ${b.meanItems.toFixed(1)} | **${(b.p95Ms / Math.max(a.p95Ms, 0.01)).toFixed(2)}×** |`;
  });
  sections.push(`## find on Postgres against SQLite, ${n.toLocaleString('en-US')} snapshots each

The same synthetic workspace (same seed) built in a SQLite file (${sqlite.buildSeconds.toFixed(0)} s, ${sqlite.dbMegabytes.toFixed(0)} MB) and in a
PostgreSQL 15 database on this machine (${postgres.buildSeconds.toFixed(0)} s, ${postgres.dbMegabytes.toFixed(0)} MB; the search indexes made after the
load), queried through the same find() (${sqlite.byTag.queries} queries a row). Wall time, since Postgres' own CPU is in
another process. Baseline: SQLite, in this run. Target: p95 under 20 ms.
Both warm, as a server answering finds is: SQLite with ${sqlite.warmed.how} (${sqlite.warmed.seconds.toFixed(0)} s); Postgres with
${postgres.warmed.how} (${postgres.warmed.seconds.toFixed(0)} s).

| query | SQLite p50 ms | SQLite p95 ms | Postgres p50 ms | Postgres p95 ms | mean items (SQLite / PG) | PG p95 vs SQLite |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`);
}

if (only.has('cross-process') && fs.existsSync(corpusDir)) {
  log('cross-process: worker result to the serving process, against the same in one process …');
  const { runCrossProcessBench } = await import('./cross-process-bench.js');
  const r = await runCrossProcessBench({ corpusDir, log });
  const target = (p95: number) => (p95 <= 1000 ? '**met**' : '**not met**');
  sections.push(`## Worker result to the chat adapter, across processes

${r.captures} corpus pages captured one at a time by real Chromium. Measured from the moment the result was
recorded (the snapshot's capturedAt) to the serving process's chat handler receiving it. Across
processes: a \`linksnap worker\` child captures, the serving process (\`serve --no-workers\`) learns of
the result from the store: on SQLite by its 1 s poll of the pending shares (the outbox), on Postgres
woken by the worker's NOTIFY. Baseline: capture and handler in one process (\`serve\`), delivered by
the in-process event. Target: 1 s p95 across processes.

| path | p50 ms | p95 ms | 1 s p95 |
| --- | --- | --- | --- |
| one process (baseline) | ${fmt(r.inProcess.p50Ms)} | ${fmt(r.inProcess.p95Ms)} | — |
| worker process → serving process, SQLite | ${fmt(r.acrossProcesses.p50Ms)} | ${fmt(r.acrossProcesses.p95Ms)} | ${target(r.acrossProcesses.p95Ms)} |
| worker process → serving process, Postgres | ${fmt(r.acrossProcessesPostgres.p50Ms)} | ${fmt(r.acrossProcessesPostgres.p95Ms)} | ${target(r.acrossProcessesPostgres.p95Ms)} |
`);
}

if (only.has('queue')) {
  log('queue: SQLite against Postgres, and Postgres with 1, 2 and 4 worker processes at the same total concurrency …');
  const { runQueueBench } = await import('./queue-bench.js');
  const r = await runQueueBench({ jobs: 300, log });
  const base = r.rows.find((row) => row.db === 'sqlite' && row.pageMs === 0)!;
  const pgOne = r.rows.find((row) => row.db === 'postgres' && row.pageMs > 0 && row.workers === 1)!;
  const line = (row: (typeof r.rows)[number]) => {
    const vs = row === base ? '1.00×' : row.pageMs === 0 ? `**${(row.jobsPerSecond / base.jobsPerSecond).toFixed(2)}×**` : row === pgOne ? '1.00× (PG, 1 worker)' : row.db === 'postgres' ? `**${(row.jobsPerSecond / pgOne.jobsPerSecond).toFixed(2)}×** of 1 worker` : '—';
    return `| ${row.db === 'sqlite' ? 'SQLite' : 'Postgres'} | ${row.workers} × ${row.perWorker} | ${row.pageMs} | ${row.jobs} | ${row.jobsPerSecond.toFixed(1)} | ${row.pageMs === 0 ? fmt(1000 / row.jobsPerSecond) : '—'} | ${fmt(row.acceptP50Ms)} / ${fmt(row.acceptP95Ms)} | ${fmt(row.enqueueToLeaseP50Ms)} / ${fmt(row.enqueueToLeaseP95Ms)} | ${fmt(row.resultToChatP50Ms)} / ${fmt(row.resultToChatP95Ms)} | ${row.duplicateCaptures} / ${row.releasedJobs} | ${row.failed} | ${vs} |`;
  };
  const t = r.takeover;
  sections.push(`## The queue: SQLite against Postgres, and 1, 2 and 4 workers

The serving process (what \`serve --no-workers\` starts) accepts links through the service API as a
chat adapter does, ${r.rows[0].jobs} at once, and answers each share in its chat handler. Each worker is a
child process started as \`linksnap worker\` is (createApp and its job runner), with the page load
replaced by a stub that sleeps the page time shown and returns a page with a distinct 320×200
screenshot: everything around the browser is the product's (lease, renewal, thumbnail, blob writes,
the result's transaction, NOTIFY or poll, the reply). The workers share ${8} captures at once between
them (1 × 8, 2 × 4, 4 × 2). Page time 0: the queue's own overhead; 250 ms: a page's time on the
network. Enqueue → lease: from the snapshot being queued to a worker starting it. Duplicates: pages
captured twice (captures the workers counted, minus jobs) / jobs leased more than once; both must be 0.
Baseline: one worker on SQLite, page time 0, in this run.

| database | workers × captures | page ms | jobs | jobs/s | ms per job (page 0) | accept p50 / p95 ms | enqueue → lease p50 / p95 ms | result → chat p50 / p95 ms | duplicates | failed | vs baseline |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${r.rows.map(line).join('\n')}

Takeover after \`kill -9\`: two workers on Postgres (4 captures each, pages of 1.5 s,
\`LINKSNAP_JOB_LEASE=${t.leaseMs / 1000}s\`); one is killed while it holds ${t.orphaned} jobs. The other holds each of them
again after p50 ${fmt(t.takeoverP50Ms)} ms, at most ${fmt(t.takeoverMaxMs)} ms (a lease runs out one lease length after its last
renewal, and no NOTIFY says so: the other worker finds it at its next look, every 5 s); jobs leased more than once: ${t.releasedJobs} (the orphaned ones); every job answered: ${t.allDone ? 'yes' : '**no**'}.
`);
}

if (only.has('artifacts') && fs.existsSync(corpusDir)) {
  log('artifacts: linksnap serve --no-workers serving artifacts from files, then from an S3 bucket …');
  const { runArtifactBench } = await import('./artifact-bench.js');
  const r = await runArtifactBench({ corpusDir, log });
  const file = r.rows.find((row) => row.store === 'file')!;
  const row = (x: (typeof r.rows)[number], label: string) =>
    `| ${label} | ${x.requests} | ${x.wholeMBps.toFixed(0)} | ${fmt(x.wholeP50Ms)} | ${fmt(x.wholeP95Ms)} | ${fmt(x.rangeP50Ms)} | ${fmt(x.rangeP95Ms)} | ${x.errors} | ${x === file ? '1.00×' : `**${(x.wholeMBps / file.wholeMBps).toFixed(2)}×**`} |`;
  sections.push(`## Artifacts served from files and from an S3 bucket

${r.pages} corpus pages captured by real Chromium into each store, then their ${r.artifacts} screenshots,
full-page images and archives (${(r.totalBytes / 1024 / 1024).toFixed(1)} MB) fetched from \`linksnap serve --no-workers\`
(a child process) over HTTP, 8 at a time, whole and as 64 KiB byte ranges from the middle, 6 rounds.
The S3 row reads from s3rver on loopback (\`LINKSNAP_BLOBS=s3://…\`): a real bucket adds its network
round trips to each request. Baseline: the file store, in the same run.

| store | requests | whole MB/s | whole p50 ms | whole p95 ms | range p50 ms | range p95 ms | errors | MB/s vs file |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${r.rows.map((x) => row(x, x.store === 'file' ? 'file store (baseline)' : 'S3 bucket')).join('\n')}
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

if (only.has('chat-load') && fs.existsSync(corpusDir)) {
  log('chat-load: Slack acks and Discord defers while a 300 MB page and 10 corpus pages are captured …');
  const { runChatLoadBench } = await import('./chat-load-bench.js');
  const result = await runChatLoadBench({ corpusDir });
  const row = (name: string, r: typeof result.slack) =>
    `| ${name} | ${r.count} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.maxMs)} | ${r.failures} | ${Object.entries(r.captures).map(([k, v]) => `${v} ${k}`).join(', ')} |`;
  const met = result.slack.p99Ms < 100 && result.discord.p99Ms < 100;
  sections.push(`## Chat acks while the heaviest pages are captured

A ${result.hugeMb} MB page and ${result.corpusPages} corpus pages captured in the same process as the bot
(default concurrency), while three people each send \`/snap\` every 50 ms (for a link already captured,
so the commands add acks, not captures) until every capture has ended. Slack: signed slash command to
its HTTP 200 (Bolt in HTTP mode). Discord: INTERACTION_CREATE on the gateway to the defer callback
(discord.js against the stand-in). The pages are served from a child process. Target: p99 under 100 ms
for both: **${met ? 'met' : 'not met'}** in this run.

| platform | acks | p50 ms | p99 ms | max ms | failed | captures |
| --- | --- | --- | --- | --- | --- | --- |
${row('Slack ack', result.slack)}
${row('Discord defer', result.discord)}
`);
}

if (only.has('watch') && fs.existsSync(corpusDir)) {
  log('watch: watch runs, change detection and judging through the service, SQLite and Postgres …');
  const { runWatchBench } = await import('./watch-bench.js');
  const r = await runWatchBench({ corpusDir, watches: Number(values.n ?? 300), log });
  const line = (row: (typeof r.rows)[number], name: string, round: (typeof r.rows)[number]['unchanged']) =>
    `| ${row.db === 'sqlite' ? 'SQLite' : 'Postgres'} | ${name} | ${round.runsPerSecond.toFixed(1)} | **${(round.runsPerSecond / row.baselinePerSecond).toFixed(2)}×** | ${fmt(round.tickMs)} | ${fmt(round.judgeMs)} | ${round.changed} | ${round.notices} |`;
  sections.push(`## Watches: runs, change detection and judging

What a \`linksnap serve\` process does for ${r.rows[0]?.watches ?? 0} watches due at once: one tick claims and starts every run
(compare-and-set on each watch), the job runner captures (8 at once), each capture reads the previous
version's text from the blob store and diffs it, and the next tick judges every run and writes a
change notice for each changed page. The browser's page load is replaced by a stub that returns the
readable text of a real corpus page (Readability over the ${r.pages} saved pages, mean ${r.meanTextChars} characters)
with a moving timestamp; in the edited round every other page also gains a paragraph. Baseline: the
same number of \`snap --force\` captures (first versions: nothing to compare), in the same process.

| database | round | runs/s | vs baseline | start (one tick) ms | judge (one tick) ms | changed | notices written |
| --- | --- | --- | --- | --- | --- | --- | --- |
${r.rows.map((row) => [`| ${row.db === 'sqlite' ? 'SQLite' : 'Postgres'} | baseline (snap --force) | ${row.baselinePerSecond.toFixed(1)} | 1.00× | — | — | — | — |`, line(row, 'clock moved only', row.unchanged), line(row, 'half the pages edited', row.edited)].join('\n')).join('\n')}

What a watch run adds to a capture, per run (1 / runs per second minus 1 / the baseline's): ${r.rows
    .map((row) => `${row.db === 'sqlite' ? 'SQLite' : 'Postgres'} ${fmt(1000 / row.unchanged.runsPerSecond - 1000 / row.baselinePerSecond)} ms (clock only), ${fmt(1000 / row.edited.runsPerSecond - 1000 / row.baselinePerSecond)} ms (edited)`)
    .join('; ')}. The stub makes the capture itself almost free; a real capture in Chromium costs about a second
of CPU (see the capture section), so what watching adds is well under 1% of it. The start column is one tick
claiming and queueing every due watch while the captures already run beside it on the same cores.

The comparison alone (compareTexts on each corpus text against itself with its clock moved and a
paragraph added, in this process): p50 ${fmt(r.compare.p50Ms)} ms, p95 ${fmt(r.compare.p95Ms)} ms, max ${fmt(r.compare.maxMs)} ms.
`);
}

const header = `# Benchmarks

Measured by \`npm run bench\` on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB,
Node ${process.version}. Each section says when it was measured (\`--only\` runs some sections; the others keep
their figures; one with no date predates the dates: \`git log -p BENCHMARKS.md\`). All traffic stays on 127.0.0.1. Figures move with machine load; compare ratios within one run.
`;

if (only.has('wacz') && fs.existsSync(corpusDir)) {
  // What recording every capture as WACZ costs, on the product path: the capture bench's simulated
  // internet (every page's sub-resources arrive from "remote" hosts, so there is something to
  // record), linksnap serve with and without LINKSNAP_WACZ, rows in the order on, off, off, on, so
  // machine load that drifts steadily through the run weighs the same on both sides.
  log('wacz: linksnap serve with and without recording WACZ, simulated internet, alternating rows …');
  const { runCaptureBench } = await import('./capture-bench.js');
  const pages = values.pages ? Number(values.pages) : undefined;
  const result = await runCaptureBench({ corpusDir, pages, scenarios: ['2'], concurrencies: ['default', 'default/no-wacz', 'default/no-wacz', 'default'], log });
  const rows = result.rows.filter((row) => row.kind === 'product');
  const on = rows.filter((row) => !row.setting.endsWith('/no-wacz'));
  const off = rows.filter((row) => row.setting.endsWith('/no-wacz'));
  const sum = (list: typeof rows, pick: (row: (typeof rows)[number]) => number | null) => list.reduce((total, row) => total + (pick(row) ?? 0), 0);
  const perMin = (list: typeof rows) => sum(list, (row) => row.capturesPerMinute) / list.length;
  const cpu = (list: typeof rows) => sum(list, (row) => row.cpuMsPerCapture) / list.length;
  const throughputRatio = perMin(on) / perMin(off);
  const cpuRatio = cpu(on) / cpu(off);
  const steps = (row: (typeof rows)[number]) => `record ${Math.round(row.stepsP50Ms?.record ?? 0)} ms, wacz ${Math.round(row.stepsP50Ms?.wacz ?? 0)} ms (whole capture ${Math.round(row.stepsP50Ms?.total ?? 0)} ms)`;
  const lines = [
    `## Recording WACZ: capture throughput and CPU with and without (${result.rows[0]?.pages ?? 0} corpus pages, simulated internet)`,
    '',
    `\`linksnap serve\` as in the capture benchmark's scenario 2 (every page posted at once to \`POST /api/snapshots\`,`,
    `each awaited on its event stream), twice with recording on (the default) and twice with \`LINKSNAP_WACZ=0\`,`,
    'in the order on, off, off, on (load that drifts through the run weighs the same on both sides), each row in a',
    'fresh process on a fresh data folder. CPU is that of the server and its Chromium only.',
    '',
    '| row | LINKSNAP_WACZ | captures/min | p50 ms | p95 ms | CPU ms per capture | failures | median steps | others\' load (cores) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row, i) => `| ${i + 1} | ${row.setting.endsWith('/no-wacz') ? '0' : '1 (default)'} | ${row.capturesPerMinute.toFixed(1)} | ${fmt(row.p50Ms)} | ${fmt(row.p95Ms)} | ${row.cpuMsPerCapture ?? '—'} | ${row.failures} | ${row.setting.endsWith('/no-wacz') ? '—' : steps(row)} | ${row.otherLoadCores?.toFixed(2) ?? '—'} |`),
    '',
    `Recording on against off (means of the two rows each): throughput **${throughputRatio.toFixed(2)}×**, CPU per capture **${cpuRatio.toFixed(2)}×**. ` +
      `The issue's bar, at most 15% less throughput: **${throughputRatio >= 0.85 ? 'met' : 'not met'}**.`,
    '',
    'Throughput moves with the load other processes put on the machine (last column) far more than with recording;',
    'CPU per capture (the server and its Chromium only) is the steadier figure of what recording costs.',
    '',
    'Run `npm run bench -- --only wacz` (`--pages N` for the first N corpus pages).',
    '',
  ];
  sections.push(lines.join('\n'));
}

const previous = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
const measured = `_Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC._`;
const merged = mergeSections(previous, sections.map((section) => section.replace(/^(## [^\n]*\n)/, `$1\n${measured}\n`)));
fs.writeFileSync(outFile, `${header}\n${merged.join('\n')}`);
log(`wrote ${outFile}`);
process.exit(0);

/**
 * Replaces, where each stands, the sections of the benchmarks run this time (--only runs some),
 * keeping the others; a new one goes at the end. What a section holds below a NotesMarker line was
 * written by hand (readings, earlier runs) and is kept under the fresh figures.
 */
function mergeSections(old: string, fresh: string[]): string[] {
  const titleOf = (section: string) => section.split('\n')[0].replace(/\(.*$/, '').replace(/ on [\d,]+ snapshots/, '').trim();
  const notesOf = (section: string) => {
    const at = section.indexOf(NotesMarker);
    return at < 0 ? '' : `\n${section.slice(at).trimEnd()}\n`;
  };
  const oldSections = old.split(/\n(?=## )/).filter((section) => section.startsWith('## '));
  const placed = oldSections.map((section) => {
    const replacement = fresh.find((f) => titleOf(f) === titleOf(section));
    return replacement ? `${replacement.trimEnd()}\n${notesOf(section)}` : `${section.trimEnd()}\n`;
  });
  const added = fresh.filter((f) => !oldSections.some((section) => titleOf(section) === titleOf(f)));
  return [...placed, ...added.map((section) => `${section.trimEnd()}\n`)];
}
