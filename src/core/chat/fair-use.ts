// Per-user and per-workspace budgets over the policy table. A flood is answered once per window
// ("you are going fast; try again in 40 s"), not once per link, so the bot never floods back.
import { t } from '../i18n.js';
import { RateLimiter } from '../rate-limit.js';
import { chatText } from './wording.js';
import { ChatPolicy, type BudgetName } from './policy.js';

export type BudgetDecision =
  | { ok: true }
  | { ok: false; scope: 'user' | 'workspace'; limit: number; retryAfterMs: number; /** True only the first time in the window: say so once. */ tell: boolean };

export class FairUse {
  readonly #users = new Map<BudgetName, RateLimiter>();
  readonly #workspaces = new Map<BudgetName, RateLimiter>();
  readonly #told = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: { snapsPerUserPerMinute?: number; now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    for (const name of Object.keys(ChatPolicy.budgets) as BudgetName[]) {
      const budget = ChatPolicy.budgets[name];
      const perUser = name === 'snap' && options.snapsPerUserPerMinute ? options.snapsPerUserPerMinute : budget.perUser;
      this.#users.set(name, new RateLimiter({ limit: perUser, windowMs: budget.windowMs, now: this.#now }));
      this.#workspaces.set(name, new RateLimiter({ limit: Math.max(budget.perWorkspace, perUser), windowMs: budget.windowMs, now: this.#now }));
    }
  }

  /** Spends one unit of `name` for the user in the workspace, or says which budget ran out. */
  take(name: BudgetName, workspaceId: string, userId: string): BudgetDecision {
    const userKey = `${workspaceId}\u0000${userId}`;
    const user = this.#users.get(name)!;
    const mine = user.take(userKey);
    if (!mine.ok) return this.#refuse(name, 'user', userKey, user.limit, mine.retryAfterMs);
    const workspace = this.#workspaces.get(name)!;
    const ours = workspace.take(workspaceId);
    if (!ours.ok) return this.#refuse(name, 'workspace', `${workspaceId}\u0000${userId}\u0000ws`, workspace.limit, ours.retryAfterMs);
    return { ok: true };
  }

  #refuse(name: BudgetName, scope: 'user' | 'workspace', key: string, limit: number, retryAfterMs: number): BudgetDecision {
    const told = `${name}\u0000${key}`;
    const now = this.#now();
    const tell = (this.#told.get(told) ?? 0) <= now;
    if (tell) {
      this.#told.set(told, now + retryAfterMs);
      if (this.#told.size > 10_000) for (const [k, until] of this.#told) if (until <= now) this.#told.delete(k);
    }
    return { ok: false, scope, limit, retryAfterMs, tell };
  }
}

/** The answer for a spent /snap or /find budget, or null when the command may run. */
export function commandBudgetRefusal(fairUse: FairUse, name: 'snap' | 'find', workspaceId: string, userId: string, locale: string): string | null {
  const decision = fairUse.take(name, workspaceId, userId);
  if (decision.ok) return null;
  const seconds = Math.ceil(decision.retryAfterMs / 1000);
  if (name === 'find') return chatText(locale, 'find.rateLimited', { limit: decision.limit, seconds });
  return decision.scope === 'user' ? t(locale, 'snap.rateLimited', { limit: decision.limit, seconds }) : chatText(locale, 'snap.workspaceBudget', { limit: decision.limit, seconds });
}
