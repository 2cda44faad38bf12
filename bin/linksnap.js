#!/usr/bin/env node
// Runs the compiled CLI. `npm start` / `npm test` build it first; a bare clone says how.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!fs.existsSync(fileURLToPath(cli))) {
  process.stderr.write('linksnap is not built yet: run `npm run setup` (or `npm start`) in the project folder first.\n');
  process.exit(1);
}
await import(cli.href);
