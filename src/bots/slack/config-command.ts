// /snapconfig: the workspace's auto-capture settings, for workspace admins and owners only
// (users.info is_admin / is_owner). Without arguments, or with `show`, it shows the settings;
// otherwise it takes `name value` pairs, several in one command:
//   autocapture on|off · channels all|#c1 #c2 · exclude none|#c1 #c2 · thread on|off ·
//   repost reaction|reply|off · forget-on-delete on|off · explain on|off · language en|zh-CN|default ·
//   rot_alerts thread|channel|off · digest daily|weekly|off (for the channel the command is typed in) ·
//   keep_versions <N>|all · drop_fullpage_after <days>|never
// Channels must arrive as Slack's `<#C…|name>` references (the command escapes them) or bare ids.
import type { App } from '@slack/bolt';
import { errorMessage } from '../../core/chat/present.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { t, type Locale } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import { DefaultWorkspaceSettings, type WorkspaceSettings } from '../../core/types.js';
import { channelPatch, curationPatch, describeCuration, describeSettings as describeCoreSettings, type ChannelChange, type CurationChange } from '../../core/chat/settings.js';
import { escapeMrkdwn, textMessage } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { st } from './messages.js';
import { slackWorkspaceId } from './workspace.js';

export interface ConfigCommandDeps {
  service: SnapService;
  directory: SlackDirectory;
  logger: Logger;
}

export function registerConfigCommand(app: App, deps: ConfigCommandDeps, commandName = '/snapconfig'): void {
  app.command(commandName, async ({ command, ack, respond }) => {
    await ack();
    const locale = await deps.directory.locale(command.user_id);
    const answer = (text: string, mrkdwn = false) =>
      respond({ response_type: 'ephemeral', text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn ? text : escapeMrkdwn(text) } }] });
    try {
      if (!(await deps.directory.isAdmin(command.user_id))) return void (await answer(st(locale, 'config.denied')));
      const workspaceId = slackWorkspaceId(command.team_id, command.enterprise_id);
      const current = await deps.service.getSettings(workspaceId).catch(() => DefaultWorkspaceSettings);
      let parsed: ReturnType<typeof parseConfigText>;
      try {
        parsed = parseConfigText(command.text, current, command.channel_id);
      } catch (error) {
        // A retention value out of range: the core says which and why.
        if (error instanceof InvalidInputError) return void (await answer(errorMessage(locale, error)));
        throw error;
      }
      if ('error' in parsed) {
        const problem = parsed.error === 'usage' ? st(locale, 'config.usage') : st(locale, 'config.badChannel', { word: parsed.error });
        return void (await answer(problem));
      }
      // A digest is posted in this channel: refused (with the rest of the command) where the app could not post it.
      if (parsed.patch.digests?.[command.channel_id] && !(await deps.directory.appIsMember(command.channel_id))) {
        return void (await answer(st(locale, 'config.digestNotMember')));
      }
      const changed = Object.keys(parsed.patch).length > 0;
      let settings;
      try {
        settings = changed ? await deps.service.updateSettings(workspaceId, parsed.patch) : await deps.service.getSettings(workspaceId);
      } catch (error) {
        // The store keeps settings on the workspace's row, which its first capture creates; the
        // service API offers no other way to create it.
        if (error instanceof NotFoundError) return void (await answer(st(locale, 'config.noWorkspace')));
        throw error;
      }
      if (changed) {
        deps.logger({ level: 'info', context: 'slack', message: 'Workspace settings changed', details: { workspace: workspaceId, patch: parsed.patch, userId: command.user_id } });
      }
      const lines = [changed ? escapeMrkdwn(t(locale, 'config.saved')) : '', describeSettings(settings, locale), escapeMrkdwn(describeCuration(settings, locale, command.channel_id))].filter(Boolean);
      await answer(lines.join('\n'), true);
    } catch (error) {
      deps.logger({ level: 'error', context: 'slack', message: '/snapconfig failed', details: { team: command.team_id, error } });
      await answer(errorMessage(locale, error)).catch(() => {});
    }
  });
}

const FlagSettings: Record<string, 'autoCapture' | 'replyInThread' | 'forgetOnDelete' | 'explainFailures' | undefined> = {
  autocapture: 'autoCapture',
  'auto-capture': 'autoCapture',
  thread: 'replyInThread',
  'forget-on-delete': 'forgetOnDelete',
  explain: 'explainFailures',
  'explain-failures': 'explainFailures',
};
const On = new Set(['on', 'yes', 'true', '1']);
const Off = new Set(['off', 'no', 'false', '0']);

/**
 * The settings a /snapconfig text asks for; `error` is 'usage' or the word that is not a channel.
 * Channel changes mean what they mean on Discord (core/chat/settings.ts): `channels #a` adds #a to
 * the captured channels, `exclude #b` adds #b to the excluded ones; `channels all` and
 * `exclude none` reset them. `digest` is set for `here`, the channel the command was typed in.
 * Throws InvalidInputError for a retention number out of range (core/chat/settings.ts curationPatch).
 */
export function parseConfigText(
  text: string | null | undefined,
  current: WorkspaceSettings = DefaultWorkspaceSettings,
  here: string | null = null,
): { patch: Partial<WorkspaceSettings> } | { error: string } {
  const words = [...(text ?? '').matchAll(/<[^<>]*>|\S+/g)].map((match) => match[0]);
  const patch: Partial<WorkspaceSettings> = {};
  const changes: ChannelChange[] = [];
  const curation: CurationChange = {};
  let i = 0;
  const flag = (word: string | undefined): boolean | null => (word && On.has(word.toLowerCase()) ? true : word && Off.has(word.toLowerCase()) ? false : null);
  while (i < words.length) {
    const name = words[i].toLowerCase().replace(/_/g, '-');
    const value = words[i + 1];
    if (name === 'show' && words.length === 1) return { patch };
    if (name === 'channels' || name === 'exclude') {
      const reset = value?.toLowerCase() === (name === 'channels' ? 'all' : 'none');
      if (reset) {
        changes.push(name === 'channels' ? { kind: 'all' } : { kind: 'exclude-none' });
        i += 2;
        continue;
      }
      const ids: string[] = [];
      i += 1;
      while (i < words.length && !isSettingName(words[i])) {
        const id = channelId(words[i]);
        if (!id) return { error: words[i] };
        ids.push(id);
        i += 1;
      }
      if (!ids.length) return { error: 'usage' };
      changes.push({ kind: name === 'channels' ? 'include' : 'exclude', channelIds: ids });
      continue;
    }
    if (name === 'capture') {
      const mode = value?.toLowerCase();
      if (mode === 'off') patch.autoCapture = false;
      else if (mode === 'auto' || mode === 'reaction') Object.assign(patch, { autoCapture: true, captureTrigger: mode });
      else return { error: 'usage' };
    } else if (name === 'capture-emoji') {
      if (!value) return { error: 'usage' };
      patch.captureEmoji = value.replace(/^:|:$/g, '');
    } else if (name === 'repost') {
      const mode = value?.toLowerCase();
      if (mode !== 'reaction' && mode !== 'reply' && mode !== 'off') return { error: 'usage' };
      patch.duplicateNotice = mode;
    } else if (name === 'language') {
      const lower = value?.toLowerCase();
      if (lower === 'default') patch.locale = null;
      else if (lower === 'en') patch.locale = 'en';
      else if (lower === 'zh-cn' || lower === 'zh') patch.locale = 'zh-CN';
      else return { error: 'usage' };
    } else if (name === 'rot-alerts') {
      const mode = value?.toLowerCase();
      if (mode !== 'thread' && mode !== 'channel' && mode !== 'off') return { error: 'usage' };
      curation.rotAlerts = mode;
    } else if (name === 'digest') {
      const period = value?.toLowerCase();
      if ((period !== 'daily' && period !== 'weekly' && period !== 'off') || !here) return { error: 'usage' };
      curation.digest = { channelId: here, period };
    } else if (name === 'keep-versions') {
      if (!value) return { error: 'usage' };
      curation.keepVersions = value.toLowerCase() === 'all' ? 'all' : wholeNumber(value);
    } else if (name === 'drop-fullpage-after') {
      if (!value) return { error: 'usage' };
      curation.dropFullPageAfterDays = value.toLowerCase() === 'never' ? 'never' : wholeNumber(value.replace(/d(ays?)?$/i, ''));
    } else {
      const key = FlagSettings[name];
      const on = flag(value);
      if (!key || on === null) return { error: 'usage' };
      patch[key] = on;
    }
    i += 2;
  }
  let settings = current;
  for (const change of changes) {
    const channelSettings = channelPatch(settings, change);
    settings = { ...settings, ...channelSettings };
    Object.assign(patch, channelSettings);
  }
  Object.assign(patch, curationPatch(settings, curation));
  return { patch };
}

/** A number as typed; anything else is NaN, which curationPatch refuses with its own sentence. */
function wholeNumber(word: string): number {
  return /^\d+$/.test(word) ? Number(word) : Number.NaN;
}

const SettingNames = new Set([
  'capture',
  'capture-emoji',
  'autocapture',
  'auto-capture',
  'channels',
  'exclude',
  'thread',
  'repost',
  'forget-on-delete',
  'explain',
  'explain-failures',
  'language',
  'rot-alerts',
  'digest',
  'keep-versions',
  'drop-fullpage-after',
]);

function isSettingName(word: string): boolean {
  return SettingNames.has(word.toLowerCase().replace(/_/g, '-'));
}

/** `<#C123|general>`, `<#C123>` or a bare channel id; anything else (a plain `#general`) is not usable. */
function channelId(word: string): string | null {
  const ref = /^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word);
  if (ref) return ref[1];
  return /^[CG][A-Z0-9]{6,}$/.test(word) ? word : null;
}

export function describeSettings(settings: WorkspaceSettings, locale: Locale): string {
  // Only the channel references are mrkdwn; the sentence around them is escaped.
  const mentions: string[] = [];
  const sentence = describeCoreSettings(settings, locale, (id) => {
    mentions.push(`<#${id}>`);
    return `\u0000${mentions.length - 1}\u0000`;
  });
  return escapeMrkdwn(sentence).replace(/\u0000(\d+)\u0000/g, (_, index: string) => mentions[Number(index)]);
}
