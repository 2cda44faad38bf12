// Getting a reply to Discord even when Discord is having a bad moment. discord.js already waits
// out 429s and retries a 5xx a few times; on top of that a reply that still fails for a transient
// reason is tried again with backoff, and one that fails for good is reported, not retried forever.
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordAPIError, HTTPError, RESTJSONErrorCodes, Routes, type Client } from 'discord.js';
import { ChatPolicy } from '../../core/chat/policy.js';
import type { Logger } from '../../core/logger.js';
import type { SnapService } from '../../core/service-api.js';
import type { ReplyBody } from './render.js';

/** Errors that say the interaction token is no longer usable (older than 15 minutes, or bad). */
export function isExpiredInteraction(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.InvalidWebhookToken ||
      error.code === RESTJSONErrorCodes.UnknownWebhook ||
      error.code === RESTJSONErrorCodes.UnknownInteraction ||
      (error.status === 401 && error.url.includes('/webhooks/')))
  );
}

/** Worth trying again later: Discord 5xx, network failures, timeouts. */
export function isTransient(error: unknown): boolean {
  if (error instanceof HTTPError) return error.status >= 500;
  if (error instanceof DiscordAPIError) return error.status >= 500 || error.status === 429;
  if (error instanceof Error) return error.name === 'AbortError' || /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket|fetch failed/i.test(error.message);
  return false;
}

export interface RetryOptions {
  attempts: number;
  firstDelayMs: number;
  logger: Logger;
  what: string;
  details?: Record<string, unknown>;
}

export const DefaultReplyRetry = { attempts: ChatPolicy.delivery.attempts, firstDelayMs: ChatPolicy.delivery.firstDelayMs } as const;

/** Runs `fn`, retrying transient failures with doubling delays; rethrows the last error. */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  let delay = options.firstDelayMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= options.attempts || !isTransient(error)) throw error;
      options.logger({
        level: 'warn',
        context: 'discord',
        message: `Discord did not take the ${options.what} (attempt ${attempt} of ${options.attempts}); retrying in ${delay} ms`,
        details: { ...options.details, error },
      });
      await sleep(delay);
      delay = Math.min(delay * 2, ChatPolicy.delivery.maxDelayMs);
    }
  }
}

/** Adds or removes the bot's own reaction; both are idempotent on Discord's side. */
export async function setReaction(client: Client, channelId: string, messageId: string, emoji: string, present: boolean): Promise<void> {
  const route = Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(emoji));
  if (present) await client.rest.put(route);
  else await client.rest.delete(route);
}

/** Reads the artifacts a reply uploads from the blob store; thumbnails only, so small. */
export async function loadFiles(artifacts: Pick<SnapService, 'openArtifact'>, body: ReplyBody): Promise<Array<{ name: string; attachment: Buffer }>> {
  return Promise.all(
    body.files.map(async (file) => {
      const chunks: Buffer[] = [];
      for await (const chunk of (await artifacts.openArtifact(file.artifact)).stream) chunks.push(chunk as Buffer);
      return { name: file.name, attachment: Buffer.concat(chunks) };
    }),
  );
}

/** Raw REST body for a message with files: Discord links `attachment://name` to `attachments[i]`. */
export async function restMessage(artifacts: Pick<SnapService, 'openArtifact'>, body: ReplyBody, extra: Record<string, unknown> = {}) {
  const files = await loadFiles(artifacts, body);
  return {
    body: {
      content: body.content,
      embeds: body.embeds,
      components: body.components,
      attachments: body.files.map((file, id) => ({ id, filename: file.name })),
      allowed_mentions: { parse: [] },
      ...extra,
    },
    files: files.map((file, index) => ({ key: `files[${index}]`, name: file.name, data: file.attachment })),
  };
}

/**
 * Posts into the thread of a message, starting the thread when there is none yet. A thread started
 * from a message has the message's id, so an existing one is found without a lookup.
 */
export async function postInThread(
  client: Client,
  artifacts: Pick<SnapService, 'openArtifact'>,
  channelId: string, messageId: string, threadName: string, body: ReplyBody): Promise<{ id: string; channel_id: string }> {
  try {
    await client.rest.post(Routes.threads(channelId, messageId), { body: { name: threadName.slice(0, 100), auto_archive_duration: 1440 } });
  } catch (error) {
    if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage)) throw error;
  }
  const payload = await restMessage(artifacts, body);
  return (await client.rest.post(Routes.channelMessages(messageId), payload)) as { id: string; channel_id: string };
}
