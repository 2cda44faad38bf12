// The last line of defence behind the capture code's own error handling. Each capture job runs in
// an AsyncLocalStorage scope; every socket, timer and callback it creates (its egress proxy, its
// preflight, its browser calls) inherits that scope. Should an exception still escape one of them,
// the process-wide handler finds the capture it came from, fails that capture for good (so it is
// not retried into the same crash) and keeps the web page, the bots and every other capture
// running. An error from outside any capture is logged and ends the process, as Node would.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger.js';

export interface CaptureScope {
  jobId: string;
  url: string;
  /** False once the capture is over: a late error is no longer that capture's to absorb. */
  active: boolean;
  fail(error: unknown): void;
}

const scopes = new AsyncLocalStorage<CaptureScope>();

export function runInCaptureScope<T>(scope: CaptureScope, work: () => Promise<T>): Promise<T> {
  return scopes.run(scope, work);
}

/** The scope of the code running now, if it belongs to a capture in progress. */
export function currentCaptureScope(): CaptureScope | null {
  const scope = scopes.getStore();
  return scope?.active ? scope : null;
}

export interface LastResortOptions {
  logger: Logger;
  /** How the process ends for an error no capture owns; process.exit by default. */
  exit?: (code: number) => void;
}

/** Installs the process-wide handlers; returns a function that removes them. */
export function installLastResortHandler({ logger, exit = (code) => process.exit(code) }: LastResortOptions): () => void {
  const handle = (error: unknown, origin: string) => {
    const scope = currentCaptureScope();
    if (scope) {
      logger({
        level: 'error',
        context: 'capture',
        message: 'An error escaped a capture; that capture fails, the process goes on. This is a bug: please report it with this line',
        details: { jobId: scope.jobId, url: scope.url, origin, error },
      });
      scope.fail(error);
      return;
    }
    logger({ level: 'error', context: 'service', message: 'Uncaught error outside any capture; stopping', details: { origin, error } });
    exit(70);
  };
  const onException = (error: Error, origin: string) => handle(error, origin);
  const onRejection = (reason: unknown) => handle(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
