// A Slack team is a linksnap workspace; on Enterprise Grid the org id is part of the id, so two teams of
// one org, or the same team id seen through two orgs, never share links.
import type { WorkspaceRef } from '../../core/types.js';

export function slackWorkspaceId(teamId: string, enterpriseId?: string | null): string {
  return enterpriseId ? `slack:${enterpriseId}:${teamId}` : `slack:${teamId}`;
}

export function slackWorkspace(teamId: string, enterpriseId?: string | null, name?: string | null): WorkspaceRef {
  return { id: slackWorkspaceId(teamId, enterpriseId), platform: 'slack', ...(name ? { name } : {}) };
}

/** The team (and org, on Enterprise Grid) a workspace id names. */
export function slackTeamOf(workspaceId: string): { teamId: string; enterpriseId: string | null } {
  const parts = workspaceId.split(':');
  return parts.length === 3 ? { teamId: parts[2], enterpriseId: parts[1] } : { teamId: parts[1] ?? '', enterpriseId: null };
}
