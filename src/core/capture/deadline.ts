// Deadlines and cancellation shared by the capture steps: every await that can hang is raced
// against the capture's AbortSignal, so an aborted or timed-out capture stops at once.

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `work`, unless the signal aborts first (then its reason). The work is not cancelled, only abandoned. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Times named steps into a record, for CaptureOutput.timings. */
export function createTimer(): { step<T>(name: string, work: () => Promise<T>): Promise<T>; timings: Record<string, number> } {
  const timings: Record<string, number> = {};
  return {
    timings,
    async step(name, work) {
      const started = performance.now();
      try {
        return await work();
      } finally {
        timings[name] = Math.round((performance.now() - started) * 10) / 10;
      }
    },
  };
}
