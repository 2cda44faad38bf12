// The CLI as a user runs it: its own process, started from source through tsx, so a test sees the
// real exit code, stdout and stderr, and each run opens the data folder afresh as a user's would.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestEnv } from './app.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(dataDir: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, ...TestEnv, LINKSNAP_LOG_LEVEL: 'error', LINKSNAP_DATA_DIR: dataDir },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    // A non-zero exit is an answer to check, not a test failure.
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
