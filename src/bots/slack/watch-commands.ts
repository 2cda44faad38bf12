// /watch, /unwatch and /watches: this file reads the slash command's text and posts the core's
// answer (core/chat/watch-commands.ts), which owns every rule and sentence. A watch set or stopped
// is said in the channel (it posts there later); refusals and the list go only to the asker.
// Everything is answered through the command's response_url, so it works in channels the app was
// not invited to as well; /watch itself is refused there, since the app could not post the changes.
import type { App, RespondArguments, SlashCommand } from '@slack/bolt';
import { unwatchCommand, watchCommand, watchesCommand, type WatchPlace } from '../../core/chat/watch-commands.js';
import { errorMessage } from '../../core/chat/present.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import { textMessage } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { commandWords } from './message-text.js';
import { st } from './messages.js';
import { slackWorkspace } from './workspace.js';

export interface WatchCommandDeps {
  service: SnapService;
  directory: SlackDirectory;
  logger: Logger;
}

export const WatchCommandNames = { watch: '/watch', unwatch: '/unwatch', watches: '/watches' } as const;

export function registerWatchCommands(app: App, deps: WatchCommandDeps, names: { watch: string; unwatch: string; watches: string } = WatchCommandNames): void {
  app.command(names.watch, async ({ command, ack, respond }) => {
    await ack();
    await answer(deps, command, respond, async (place, locale) => {
      const parsed = parseWatchText(command.text);
      if (!parsed) return { text: st(locale, 'watch.usage'), ok: false };
      // Changes are posted here later; refused now rather than given up on then with not_in_channel.
      if (!(await deps.directory.appIsMember(command.channel_id))) return { text: st(locale, 'watch.notMember'), ok: false };
      return watchCommand(deps.service, { place, requester: { id: command.user_id, name: command.user_name }, url: parsed.url, every: parsed.every, locale });
    });
  });
  app.command(names.unwatch, async ({ command, ack, respond }) => {
    await ack();
    await answer(deps, command, respond, async (place, locale) => {
      const url = parseUnwatchText(command.text);
      if (!url) return { text: st(locale, 'unwatch.usage'), ok: false };
      return unwatchCommand(deps.service, { place, url, locale });
    });
  });
  app.command(names.watches, async ({ command, ack, respond }) => {
    await ack();
    // A list is for the asker alone, like /find and /tags.
    await answer(deps, command, respond, (place, locale) => watchesCommand(deps.service, { place, locale }), 'ephemeral');
  });
}

async function answer(
  deps: WatchCommandDeps,
  command: SlashCommand,
  respond: (message: RespondArguments) => Promise<unknown>,
  run: (place: WatchPlace, locale: string) => Promise<{ text: string; ok: boolean }>,
  whenOk: 'in_channel' | 'ephemeral' = 'in_channel',
): Promise<void> {
  const locale = await deps.directory.locale(command.user_id);
  try {
    const channel = await deps.directory.channel(command.channel_id);
    const place: WatchPlace = {
      workspace: slackWorkspace(command.team_id, command.enterprise_id, command.team_domain),
      channelId: command.channel_id,
      channelName: channel.name ?? command.channel_name ?? null,
      private: channel.private,
    };
    const result = await run(place, locale);
    await respond({ response_type: result.ok ? whenOk : 'ephemeral', ...textMessage(result.text) });
  } catch (error) {
    deps.logger({ level: 'error', context: 'slack', message: `${command.command} failed`, details: { team: command.team_id, channel: command.channel_id, error } });
    await respond({ response_type: 'ephemeral', ...textMessage(errorMessage(locale, error)) }).catch(() => {});
  }
}

/**
 * `url:<link> every:<schedule>` in either order, or `<link> <schedule>`. A cron expression has
 * spaces, so the schedule is every word after `every:` (up to a `url:`), or every word after the
 * link. Slack may send the link as `<https://…>` markup, even right after `url:`. Null when the
 * link or the schedule is missing.
 */
export function parseWatchText(text: string | null | undefined): { url: string; every: string } | null {
  const words = commandWords(text);
  const url = takeNamed(words, 'url') ?? words.shift() ?? null;
  if (!url || /^every:/i.test(url)) return null;
  const every = (takeNamed(words, 'every', true) ?? words.join(' ')).trim();
  return every ? { url, every } : null;
}

/** `url:<link>` or `<link>`; null when there is none. */
export function parseUnwatchText(text: string | null | undefined): string | null {
  const words = commandWords(text);
  return takeNamed(words, 'url') ?? (words.length === 1 ? words[0] : null);
}

/**
 * Removes `name:value` from `words` and returns the value (`name:` followed by the value as its own
 * word counts too). With `rest`, the value runs on to the end, or to the next `url:`.
 */
function takeNamed(words: string[], name: string, rest = false): string | null {
  const prefix = `${name}:`;
  const at = words.findIndex((word) => word.toLowerCase().startsWith(prefix));
  if (at < 0) return null;
  let end = at + 1;
  if (rest) while (end < words.length && !/^url:/i.test(words[end])) end += 1;
  else if (words[at].length === prefix.length) end = Math.min(at + 2, words.length);
  const taken = words.splice(at, end - at);
  taken[0] = taken[0].slice(prefix.length);
  const value = taken.filter(Boolean).join(' ').trim();
  return value || null;
}
