// Failures of the Discord connection itself, as opposed to a single reply.
import { ErrorCode, LinksnapError } from '../../core/errors.js';

/** Discord refused the bot token: the bot cannot work until DISCORD_TOKEN is fixed. */
export class DiscordTokenRejectedError extends LinksnapError {
  constructor(where: string, cause?: unknown) {
    super(ErrorCode.Forbidden, `Discord rejected DISCORD_TOKEN (${where}); the Discord bot is stopped. Check the token in the Developer Portal.`, {
      cause,
      details: { where },
    });
  }
}

/** The gateway did not become ready (network, wrong DISCORD_API_URL). */
export class DiscordConnectError extends LinksnapError {
  constructor(apiUrl: string, cause: unknown) {
    super(ErrorCode.ConnectionFailed, `Could not connect the Discord bot through ${apiUrl}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      transient: true,
      details: { apiUrl },
    });
  }
}
