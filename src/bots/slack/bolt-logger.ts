// Bolt, the Web API client and the Socket Mode client log through this, so their lines come out as
// our JSON lines under the `slack` context instead of console text.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';

export function boltLogger(logger: Logger, name = 'bolt'): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  let currentName = name;
  const emit = (eventLevel: 'debug' | 'info' | 'warn' | 'error') => (...messages: unknown[]) => {
    const errors = messages.filter((m): m is Error => m instanceof Error);
    logger({
      level: eventLevel,
      context: 'slack',
      message: messages.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' '),
      details: { source: currentName, ...(errors[0] ? { error: errors[0] } : {}) },
    });
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next: string) => {
      currentName = next;
    },
  };
}
