// A Slack team is a linksnap workspace; on Enterprise Grid the org id is part of the id, so two teams of
// one org, or the same team id seen through two orgs, never share links.
import type { WorkspaceRef } from '../../core/types.js';

export function slackWorkspaceId(teamId: string, enterpriseId?: string | null): string {
  return enterpriseId ? `slack:${enterpriseId}:${teamId}` : `slack:${teamId}`;
}

export function slackWorkspace(teamId: string, enterpriseId?: string | null, name?: string | null): WorkspaceRef {
  return { id: slackWorkspaceId(teamId, enterpriseId), platform: 'slack', ...(name ? { name } : {}) };
}
