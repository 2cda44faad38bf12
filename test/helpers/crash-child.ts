// Runs in a child process for the crash test: accepts one link, reports when its capture has
// started, then waits to be killed mid-capture.
import { startTestApp } from './app.js';

const [dataDir, url] = process.argv.slice(2);
const t = await startTestApp({ dataDir, env: { LINKSNAP_JOB_LEASE: '3s', LINKSNAP_CONCURRENCY: '1' } });
t.service.subscribe('cli', (event) => {
  if (event.type === 'capturing') process.stdout.write(`capturing ${event.snapshot.id}\n`);
});
const accepted = await t.service.snap({
  url,
  workspace: { id: 'local', platform: 'cli' },
  requester: { id: 'crash-test' },
  source: { platform: 'cli' },
});
process.stdout.write(`accepted ${accepted.snapshot.id}\n`);
setInterval(() => {}, 1_000);
