// A scheduler process of its own for the watch tests: opens the app on the store named by the
// environment (LINKSNAP_DATA_DIR, DATABASE_URL), capturing nothing, waits for the parent's "go"
// line so both processes look at the same moment, starts the watch runs due at the time given, and
// prints the ids of the watches it started as one JSON line.
import readline from 'node:readline';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createMemoryLogger } from '../../src/core/logger.js';

const dueAt = new Date(process.argv[2]);
const app = await createApp({ config: loadConfig(process.env), logger: createMemoryLogger(), captures: false });
process.stdout.write('ready\n');
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== 'go') continue;
  const started = await app.service.watches.startDue(dueAt);
  process.stdout.write(`${JSON.stringify(started.map((run) => run.watch.id))}\n`);
  break;
}
lines.close();
await app.close();
