// A tiny method + path router: `/api/snapshots/:id/:kind`. Enough for a dozen routes; a framework
// would bring more surface than it saves here.
import type http from 'node:http';
import { BadRequestError } from './web-errors.js';

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type RouteHandler<C> = (ctx: C) => Promise<void> | void;

interface Route<C> {
  method: string;
  segments: string[];
  handler: RouteHandler<C>;
}

export type RouteMatch<C> =
  | { kind: 'found'; handler: RouteHandler<C>; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

export class Router<C> {
  readonly #routes: Route<C>[] = [];

  on(method: string, pattern: string, handler: RouteHandler<C>): this {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, pathname: string): RouteMatch<C> {
    const parts = pathname.split('/').filter(Boolean);
    const allow = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { kind: 'found', handler: route.handler, params };
      allow.add(route.method);
    }
    return allow.size ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const want = pattern[i];
    if (want.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(parts[i]);
      } catch {
        throw new BadRequestError(`The path segment ${JSON.stringify(parts[i].slice(0, 80))} is not valid percent-encoding`);
      }
      params[want.slice(1)] = value;
    } else if (want !== parts[i]) {
      return null;
    }
  }
  return params;
}
