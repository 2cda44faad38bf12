// A message was deleted on the platform: what was captured from it is forgotten, when the
// workspace keeps `forget on delete` on (the default). Links still shared elsewhere stay.
import type { Logger } from '../logger.js';
import type { SnapService } from '../service-api.js';

export async function onMessageDeleted(
  deps: { service: Pick<SnapService, 'getSettings' | 'forgetMessage'>; logger: Logger },
  deleted: { workspaceId: string; channelId: string; messageId: string },
): Promise<string[]> {
  const settings = await deps.service.getSettings(deleted.workspaceId);
  if (!settings.forgetOnDelete) return [];
  const removed = await deps.service.forgetMessage(deleted.workspaceId, deleted.channelId, deleted.messageId);
  if (removed.length) {
    deps.logger({ level: 'info', context: 'chat', message: 'Message deleted; forgot what was captured from it', details: { ...deleted, links: removed } });
  }
  return removed;
}
