// Every limit of the chat conversation, in one table both platforms read, so Discord and Slack can
// no longer drift apart (they once allowed 20 and 10 links per message, and keyed /snap's limit
// differently). Budgets are links or commands per minute.
export interface ChatPolicyShape {
  /** Links one posted message may queue; the rest of a pasted list is left alone. */
  linksPerMessage: number;
  budgets: Record<'autoCapture' | 'snap' | 'find', { perUser: number; perWorkspace: number; windowMs: number }>;
  find: { pageSize: number; sessionTtlMs: number };
  delivery: { attempts: number; firstDelayMs: number; maxDelayMs: number };
}

export const ChatPolicy = {
  linksPerMessage: 10,
  budgets: {
    // One person pasting link after link is bounded long before the workspace is.
    autoCapture: { perUser: 30, perWorkspace: 300, windowMs: 60_000 },
    // perUser is LINKSNAP_SNAPS_PER_MINUTE when set (config.rateLimit.snapsPerUserPerMinute).
    snap: { perUser: 10, perWorkspace: 120, windowMs: 60_000 },
    find: { perUser: 30, perWorkspace: 300, windowMs: 60_000 },
  },
  // /find pages, and how long their Previous/Next buttons keep working.
  find: { pageSize: 5, sessionTtlMs: 30 * 60_000 },
  // One platform call (a reaction, a reply edit) retried on a transient failure; the reply as a whole
  // is retried later by the store's delivery backoff (core/snapshot-events.ts).
  delivery: { attempts: 5, firstDelayMs: 1_000, maxDelayMs: 30_000 },
} as const satisfies ChatPolicyShape;

export type BudgetName = keyof typeof ChatPolicy.budgets;
