// The Retag and Forget buttons under a snapshot card. Who may press them is the core's rule
// (core/chat/manage.ts): the first sharer, or a workspace admin or owner; everyone else is told so,
// privately. Retag opens a modal
// (views.open) prefilled with the current tags; its submission is checked again, because a modal can
// stay open while someone's rights change. Forget replaces the card with a note that it was forgotten.
import type { App, RespondFn } from '@slack/bolt';
import { mayChangeLink } from '../../core/chat/manage.js';
import { errorMessage } from '../../core/chat/present.js';
import { t, type Locale } from '../../core/i18n.js';
import type { SnapService } from '../../core/service-api.js';
import { parseTagList } from '../../core/tags.js';
import type { Link, Viewer } from '../../core/types.js';
import { ManageActionIds, RetagInput, RetagViewId, retagModal, textMessage, type RetagMetadata } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { st } from './messages.js';
import { isSlackReplyTo } from './reply-context.js';
import { renderCard, type ShareEventDeps } from './share-events.js';
import { postEphemeral } from './snap-command.js';
import { slackWorkspaceId } from './workspace.js';

export interface ManageActionDeps extends ShareEventDeps {
  service: SnapService;
  directory: SlackDirectory;
}

/** The parts of block_actions and view_submission payloads used here. */
interface InteractionBody {
  user: { id: string; team_id?: string };
  team?: { id?: string } | null;
  enterprise?: { id?: string } | null;
  trigger_id?: string;
  container?: { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
  channel?: { id?: string } | null;
}

function workspaceOf(body: InteractionBody): string | null {
  const teamId = body.team?.id ?? body.user.team_id ?? null;
  return teamId ? slackWorkspaceId(teamId, body.enterprise?.id ?? null) : null;
}

/** The core's rule (core/chat/manage.ts): the first sharer, or a workspace admin or owner, who can see a share of it. */
export async function mayManage(deps: Pick<ManageActionDeps, 'service' | 'directory'>, workspaceId: string, linkId: string, userId: string, viewer: Viewer): Promise<boolean> {
  const shares = await deps.service.listShares(workspaceId, linkId);
  const decision = await mayChangeLink(shares, { userId, personal: false, viewer, moderates: () => deps.directory.isAdmin(userId) });
  return decision === 'allowed';
}

export function registerManageActions(app: App, deps: ManageActionDeps): void {
  const whisper = (respond: RespondFn, text: string) => respond({ response_type: 'ephemeral', replace_original: false, ...textMessage(text) }).catch(() => {});

  // Both buttons: who pressed, in which team, on which link, and may they manage it; any failure
  // is logged and whispered back to the presser.
  const onLinkButton = (actionId: string, name: string, handle: (press: LinkButtonPress) => Promise<void>) =>
    app.action(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const interaction = body as unknown as InteractionBody;
      const userId = interaction.user.id;
      const locale = await deps.directory.locale(userId);
      try {
        const workspaceId = workspaceOf(interaction);
        if (!workspaceId) throw new Error('The button press named no team');
        const channelId = interaction.container?.channel_id ?? interaction.channel?.id ?? null;
        const viewer = await deps.directory.viewerIn(workspaceId, userId, channelId);
        // Only the tags the presser can see are shown (and so changed) in the modal.
        const link = await deps.service.getLink(workspaceId, (action as { value?: string }).value ?? '', viewer);
        if (!(await mayManage(deps, workspaceId, link.id, userId, viewer))) return void (await whisper(respond, st(locale, 'perm.denied')));
        await handle({ interaction, userId, locale, workspaceId, link, respond });
      } catch (error) {
        deps.logger({ level: 'warn', context: 'slack', message: `${name} button failed`, details: { userId, error } });
        await whisper(respond, errorMessage(locale, error));
      }
    });

  onLinkButton(ManageActionIds.retag, 'Retag', async ({ interaction, locale, workspaceId, link }) => {
    const metadata: RetagMetadata = {
      workspaceId,
      linkId: link.id,
      channel: interaction.container?.channel_id ?? interaction.channel?.id ?? null,
      messageTs: interaction.container?.is_ephemeral ? null : (interaction.container?.message_ts ?? null),
    };
    await deps.client.views.open({ trigger_id: interaction.trigger_id!, view: retagModal(locale, link.url, link.tags, metadata) });
  });

  app.view(RetagViewId, async ({ ack, body, view }) => {
    const interaction = body as unknown as InteractionBody;
    const userId = interaction.user.id;
    const locale = await deps.directory.locale(userId);
    const refuse = (text: string) => ack({ response_action: 'errors', errors: { [RetagInput.block]: text } });
    let metadata: RetagMetadata;
    try {
      metadata = JSON.parse(view.private_metadata) as RetagMetadata;
    } catch {
      return void (await refuse(t(locale, 'error.generic', { reason: 'private_metadata' })));
    }
    // The metadata travels through Slack's client; the workspace is taken from the signed request.
    if (workspaceOf(interaction) !== metadata.workspaceId) return void (await refuse(st(locale, 'perm.denied')));
    let url: string;
    let tags: string[];
    try {
      const viewer = await deps.directory.viewerIn(metadata.workspaceId, userId, metadata.channel);
      if (!(await mayManage(deps, metadata.workspaceId, metadata.linkId, userId, viewer))) return void (await refuse(st(locale, 'perm.denied')));
      const value = view.state.values[RetagInput.block]?.[RetagInput.action]?.value ?? '';
      // New tags are given in the channel the card is in, so a private channel's tags stay in it.
      const place = metadata.channel ? { channelId: metadata.channel, private: (await deps.directory.channel(metadata.channel)).private } : { channelId: null, private: false };
      const updated = await deps.service.setTags(metadata.workspaceId, metadata.linkId, parseTagList(value), { place, viewer });
      url = updated.url;
      tags = updated.tags;
    } catch (error) {
      return void (await refuse(errorMessage(locale, error)));
    }
    await ack();
    deps.logger({ level: 'info', context: 'slack', message: 'Retagged a link', details: { workspace: metadata.workspaceId, linkId: metadata.linkId, userId, tags } });
    const done = t(locale, 'retag.done', { url, tags: tags.length ? tags.map((tag) => `#${tag}`).join(' ') : '—' });
    if (metadata.channel) await postEphemeral(deps.client, metadata.channel, userId, done, deps.logger);
    if (metadata.channel && metadata.messageTs) await refreshCard(deps, metadata, locale);
  });

  onLinkButton(ManageActionIds.forget, 'Forget', async ({ userId, locale, workspaceId, link, respond }) => {
    await deps.service.forgetLink(workspaceId, link.id);
    deps.logger({ level: 'info', context: 'slack', message: 'Forgot a link', details: { workspace: workspaceId, linkId: link.id, userId } });
    // The card showed what is now deleted, so it becomes the note that it was forgotten.
    await respond({ replace_original: true, ...textMessage(t(locale, 'forget.done', { url: link.url })) });
  });
}

interface LinkButtonPress {
  interaction: InteractionBody;
  userId: string;
  locale: Locale;
  workspaceId: string;
  link: Link;
  respond: RespondFn;
}

/** Redraws the card the Retag button was on, so it shows the new tags; a card the app cannot edit stays as it was. */
async function refreshCard(deps: ManageActionDeps, metadata: RetagMetadata, locale: Locale): Promise<void> {
  try {
    const [shares, versions] = await Promise.all([
      deps.service.listShares(metadata.workspaceId, metadata.linkId),
      deps.service.listVersions(metadata.workspaceId, metadata.linkId),
    ]);
    const snapshot = versions[0];
    const share =
      shares.find((entry) => isSlackReplyTo(entry.replyTo) && entry.replyTo.kind === 'snap' && entry.replyTo.ts === metadata.messageTs) ??
      shares.find((entry) => entry.channelId === metadata.channel) ??
      shares[0];
    if (!snapshot || !share) return;
    const replyTo = isSlackReplyTo(share.replyTo) ? share.replyTo : null;
    const notes = replyTo?.kind === 'snap' ? replyTo.notes : [];
    const message = await renderCard(deps, snapshot, share, replyTo?.locale ?? locale, notes);
    await deps.client.chat.update({ channel: metadata.channel!, ts: metadata.messageTs!, text: message.text, blocks: message.blocks });
  } catch (error) {
    deps.logger({ level: 'debug', context: 'slack', message: 'Could not redraw the card after a retag', details: { ...metadata, error } });
  }
}
