// /tags: the workspace's tags with counts, only the asker sees them. Tags used only on links from
// private channels the asker is not in are not counted, so their names do not leak.
import type { App } from '@slack/bolt';
import { errorMessage } from '../../core/chat/present.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import { tagsMessage, textMessage } from './blocks.js';
import type { SlackDirectory } from './directory.js';
import { slackWorkspaceId } from './workspace.js';

export interface TagsCommandDeps {
  service: SnapService;
  directory: SlackDirectory;
  logger: Logger;
}

export function registerTagsCommand(app: App, deps: TagsCommandDeps, commandName = '/tags'): void {
  app.command(commandName, async ({ command, ack, respond }) => {
    await ack();
    const locale = await deps.directory.locale(command.user_id);
    try {
      const workspaceId = slackWorkspaceId(command.team_id, command.enterprise_id);
      const grid = { teamId: command.team_id, enterpriseId: command.enterprise_id };
      const viewer = { channelIds: await deps.directory.readableChannels(command.user_id, [command.channel_id], grid) };
      const tags = await deps.service.listTags(workspaceId, viewer);
      await respond({ response_type: 'ephemeral', ...tagsMessage(tags, locale) });
    } catch (error) {
      deps.logger({ level: 'error', context: 'slack', message: '/tags failed', details: { team: command.team_id, error } });
      await respond({ response_type: 'ephemeral', ...textMessage(errorMessage(locale, error)) }).catch(() => {});
    }
  });
}
