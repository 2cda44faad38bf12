// JSON lines on stderr: a message, a context from a fixed set, and details carrying identity
// ({ jobId, url, workspace }) so one capture can be followed through every line.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogContext =
  | 'chat'
  | 'capture'
  | 'egress'
  | 'queue'
  | 'service'
  | 'storage'
  | 'browser'
  | 'web'
  | 'discord'
  | 'slack'
  | 'schedule'
  | 'notices'
  | 'watch'
  | 'setup'
  | 'cli';

export interface LogEvent {
  level: LogLevel;
  context: LogContext;
  message: string;
  details?: Record<string, unknown>;
}

export type Logger = (event: LogEvent) => void;

const LevelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createJsonLogger(minLevel: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return (event) => {
    if (LevelRank[event.level] < LevelRank[minLevel]) return;
    const { level, context, message, details } = event;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, context, message, ...serialise(details) })}\n`);
  };
}

export const silentLogger: Logger = () => {};

/** Collects events in memory: tests read them to prove something was logged. */
export function createMemoryLogger(): Logger & { events: LogEvent[] } {
  const events: LogEvent[] = [];
  const logger = ((event: LogEvent) => {
    events.push(event);
  }) as Logger & { events: LogEvent[] };
  logger.events = events;
  return logger;
}

function serialise(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code } : value;
  }
  return out;
}
