// Slack tells the app when it loses a workspace: `app_uninstalled` (removed) and `tokens_revoked`
// (an admin or the user revoked tokens). Nothing is deleted, since links stay useful on the web page
// and the CLI; the log says plainly why calls for that team will fail from now on.
import type { App } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import { slackWorkspaceId } from './workspace.js';

interface LifecycleEnvelope {
  team_id?: string;
  enterprise_id?: string | null;
  event?: { tokens?: { oauth?: string[]; bot?: string[] } };
}

export function registerLifecycleEvents(app: App, logger: Logger): void {
  app.event('app_uninstalled', async ({ body }) => {
    const envelope = body as LifecycleEnvelope;
    logger({
      level: 'error',
      context: 'slack',
      message: `Slack app was uninstalled from team ${envelope.team_id ?? '?'}: its token no longer works there; reinstall the app to capture again (links already kept stay available).`,
      details: { team: envelope.team_id ?? null, workspace: envelope.team_id ? slackWorkspaceId(envelope.team_id, envelope.enterprise_id) : null },
    });
  });
  app.event('tokens_revoked', async ({ body }) => {
    const envelope = body as LifecycleEnvelope;
    const tokens = envelope.event?.tokens ?? {};
    logger({
      level: 'error',
      context: 'slack',
      message: `Slack revoked tokens of the app in team ${envelope.team_id ?? '?'} (bot users: ${(tokens.bot ?? []).join(', ') || 'none'}; users: ${(tokens.oauth ?? []).join(', ') || 'none'}): calls with them fail until the app is reinstalled.`,
      details: { team: envelope.team_id ?? null, botUsers: tokens.bot ?? [], users: tokens.oauth ?? [] },
    });
  });
}
