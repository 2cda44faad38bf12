// /find <tag> [text]: results only the asker sees, five at a time, with Previous/Next buttons. The
// pages are answered through the command's (and each button's) response_url, which is how Slack lets
// an app replace an ephemeral message. Only links the asker can read are listed: public-channel
// links, and private ones from channels they are a member of.
import type { App, RespondFn } from '@slack/bolt';
import { commandBudgetRefusal } from '../../core/chat/fair-use.js';
import { FindPager, type FindPage } from '../../core/chat/find-pager.js';
import type { ChatDeps } from '../../core/chat/message-posted.js';
import { errorMessage, shortDate, snapshotCard } from '../../core/chat/present.js';
import { chatText } from '../../core/chat/wording.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { t, type Locale } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import { normalizeTag } from '../../core/tags.js';
import type { Snapshot } from '../../core/types.js';
import { FindActionIds, findPageMessage, tagsMessage, parseFindButtonValue, textMessage, type SlackMessage } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { commandWords } from './message-text.js';
import { st } from './messages.js';
import type { ThumbnailUploader } from './thumbnails.js';
import { slackWorkspaceId } from './workspace.js';

export interface FindCommandDeps {
  service: SnapService;
  directory: SlackDirectory;
  uploader: ThumbnailUploader;
  snapshotUrl: (snapshot: Snapshot) => string;
  logger: Logger;
  pager?: FindPager;
  chat: ChatDeps;
}

export function registerFindCommand(app: App, deps: FindCommandDeps, commandName = '/find'): void {
  const pager = deps.pager ?? new FindPager({ service: deps.service });

  app.command(commandName, async ({ command, ack, respond }) => {
    await ack();
    const locale = await deps.directory.locale(command.user_id);
    try {
      const workspaceId = slackWorkspaceId(command.team_id, command.enterprise_id);
      const refusal = commandBudgetRefusal(deps.chat.fairUse, 'find', workspaceId, command.user_id, locale);
      if (refusal) {
        await respond({ response_type: 'ephemeral', ...textMessage(refusal) });
        return;
      }
      const viewer = { channelIds: await deps.directory.readableChannels(command.user_id, [command.channel_id], { teamId: command.team_id, enterpriseId: command.enterprise_id }) };
      const parsed = parseFindText(command.text);
      if (!parsed) {
        await respond({ response_type: 'ephemeral', ...textMessage(st(locale, 'find.usage')) });
        return;
      }
      const { dead } = parsed;
      const [rawTag, ...textWords] = parsed.words;
      if (dead && !rawTag) {
        const page = await pager.start({ workspaceId, dead, viewer }, command.user_id);
        await respond({ response_type: 'ephemeral', ...(await renderPage(deps, page, locale)) });
        return;
      }
      if (!rawTag) {
        const tags = await deps.service.listTags(workspaceId, viewer);
        await respond({ response_type: 'ephemeral', ...tagsMessage(tags, locale, tags.length ? st(locale, 'find.usage') : null) });
        return;
      }
      const tag = normalizeTag(rawTag);
      if (!tag) {
        await respond({ response_type: 'ephemeral', ...textMessage(st(locale, 'find.usage')) });
        return;
      }
      const text = textWords.join(' ').trim();
      // With dead:true, text is passed on so the service refuses it in its own words.
      const page = await pager.start({ workspaceId, tags: [tag], text: text || undefined, viewer, ...(dead ? { dead } : {}) }, command.user_id);
      await respond({ response_type: 'ephemeral', ...(await renderPage(deps, page, locale)) });
    } catch (error) {
      // A refused search (dead:true with text, a term too short) is the asker's to fix, not ours.
      deps.logger({ level: error instanceof InvalidInputError ? 'info' : 'error', context: 'slack', message: '/find failed', details: { team: command.team_id, error } });
      await respond({ response_type: 'ephemeral', ...textMessage(errorMessage(locale, error)) }).catch(() => {});
    }
  });

  const turnPage = async ({ ack, body, action, respond }: { ack: () => Promise<void>; body: { user: { id: string } }; action: unknown; respond: RespondFn }) => {
    await ack();
    const locale = await deps.directory.locale(body.user.id);
    const target = parseFindButtonValue((action as { value?: string }).value);
    try {
      if (!target) throw new NotFoundError('search page', String((action as { value?: string }).value));
      const page = await pager.page(target.sessionId, target.index, body.user.id);
      await respond({ replace_original: true, ...(await renderPage(deps, page, locale)) });
    } catch (error) {
      const text =
        error instanceof ForbiddenError ? t(locale, 'find.notYours') : error instanceof NotFoundError ? t(locale, 'find.expired') : errorMessage(locale, error);
      await respond({ response_type: 'ephemeral', replace_original: false, ...textMessage(text) }).catch(() => {});
    }
  };
  app.action(FindActionIds.previous, turnPage as never);
  app.action(FindActionIds.next, turnPage as never);
}

async function renderPage(deps: FindCommandDeps, page: FindPage, locale: Locale): Promise<SlackMessage> {
  const cards = page.items.map((item) => snapshotCard(item.snapshot, item.link, { locale, viewUrl: deps.snapshotUrl(item.snapshot) }));
  const top = page.items[0]?.snapshot;
  const thumbnail = top ? await deps.uploader.fileIdFor(top) : null;
  const label = [page.query.dead ? 'dead:true' : '', ...(page.query.tags ?? []).map((tag) => `#${tag}`), page.query.text ? `"${page.query.text}"` : ''].filter(Boolean).join(' ');
  const deadNotes = page.items.map(({ link }) =>
    link.lastCheck?.deadSince ? chatText(locale, 'find.dead', { since: shortDate(link.lastCheck.deadSince), reason: link.lastCheck.deadReason ?? '?' }) : null,
  );
  return findPageMessage(page, cards, locale, label, thumbnail, deadNotes);
}

/**
 * `[dead:true] [tag] [text]`: `dead:true` may stand anywhere; the first other word is the tag and
 * the rest the text. Null when `dead:` has a value other than true or false.
 */
export function parseFindText(text: string | null | undefined): { dead: boolean; words: string[] } | null {
  const words = commandWords(text);
  const at = words.findIndex((word) => /^dead:/i.test(word));
  if (at < 0) return { dead: false, words };
  // `dead:` with the value as its own word, as when someone types a space after the colon.
  const taken = words[at].length === 'dead:'.length ? words.splice(at, 2) : words.splice(at, 1);
  const value = taken.join('').slice('dead:'.length).toLowerCase();
  if (value !== 'true' && value !== 'false') return null;
  return { dead: value === 'true', words };
}
