// Live progress for the add-link page: server-sent events per snapshot. Web shares report through
// service.subscribe('web'); service.waitFor covers the rest (a deduplicated snapshot, one started
// from chat or the CLI), so every stream ends with done or failed.
import type http from 'node:http';
import type { SnapService } from '../core/service-api.js';
import type { Snapshot } from '../core/types.js';
import type { Logger } from '../core/logger.js';

type Listener = (snapshot: Snapshot) => void;

const HeartbeatMs = 15_000;

export class ProgressHub {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #service: SnapService;
  readonly #logger: Logger;
  readonly #open = new Set<http.ServerResponse>();
  #unsubscribe: (() => void) | null = null;

  constructor(service: SnapService, logger: Logger) {
    this.#service = service;
    this.#logger = logger;
  }

  start(): void {
    // Nothing to answer later for a web share (the page asks), so acknowledging at once is right.
    this.#unsubscribe = this.#service.subscribe('web', (event) => this.#emit(event.snapshot));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const res of this.#open) res.end();
    this.#open.clear();
  }

  #emit(snapshot: Snapshot): void {
    for (const listener of this.#listeners.get(snapshot.id) ?? []) listener(snapshot);
  }

  /** Streams `status` events until the snapshot is done or failed, or the client goes away. */
  stream(req: http.IncomingMessage, res: http.ServerResponse, first: Snapshot, present: (snapshot: Snapshot) => unknown): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    });
    this.#open.add(res);
    const aborter = new AbortController();
    let last = '';
    let ended = false;
    const send = (snapshot: Snapshot) => {
      if (ended) return;
      const key = `${snapshot.status}:${snapshot.capturedAt ?? ''}`;
      if (key !== last) {
        last = key;
        res.write(`event: status\ndata: ${JSON.stringify(present(snapshot))}\n\n`);
      }
      if (snapshot.status === 'done' || snapshot.status === 'failed') finish();
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HeartbeatMs);
    const listeners = this.#listeners.get(first.id) ?? new Set<Listener>();
    this.#listeners.set(first.id, listeners);
    listeners.add(send);
    const finish = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      listeners.delete(send);
      if (!listeners.size) this.#listeners.delete(first.id);
      aborter.abort();
      this.#open.delete(res);
      res.end();
    };
    req.on('close', finish);
    send(first);
    if (ended) return;
    this.#service.waitFor(first.id, aborter.signal).then(
      (snapshot) => send(snapshot),
      (error: unknown) => {
        if (aborter.signal.aborted) return;
        this.#logger({ level: 'warn', context: 'web', message: 'Progress stream ended with an error', details: { snapshotId: first.id, error } });
        if (!ended) res.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
        finish();
      },
    );
  }
}
