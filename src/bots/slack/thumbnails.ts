// Thumbnails are uploaded once (files.uploadV2, not shared to a channel) and shown through an image
// block that points at the Slack file, so the picture sits inside the card or notice instead of
// arriving as a separate file message. A failed upload leaves the message without a picture.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import type { ArtifactRef, OpenedArtifact, Snapshot } from '../../core/types.js';

export class ThumbnailUploader {
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;
  readonly #open: (ref: ArtifactRef) => Promise<OpenedArtifact>;
  /**
   * Thumbnail sha256 → Slack file id. Keyed by content, not snapshot: a redelivered event, a repost,
   * and a notice that names the snapshot only by its thumbnail ref all reuse one upload.
   */
  readonly #uploaded = new Map<string, Promise<string | null>>();

  constructor(options: { client: webApi.WebClient; logger: Logger; open: (ref: ArtifactRef) => Promise<OpenedArtifact> }) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#open = options.open;
  }

  fileIdFor(snapshot: Snapshot): Promise<string | null> {
    const thumbnail = snapshot.artifacts.thumbnail;
    if (!thumbnail || snapshot.status !== 'done') return Promise.resolve(null);
    return this.fileIdForArtifact(thumbnail, snapshot.title ?? snapshot.url);
  }

  /** The Slack file of a stored thumbnail, uploaded on first use. */
  fileIdForArtifact(thumbnail: ArtifactRef, altText: string): Promise<string | null> {
    let pending = this.#uploaded.get(thumbnail.sha256);
    if (!pending) {
      pending = this.#upload(thumbnail, altText);
      if (this.#uploaded.size > 2_000) this.#uploaded.delete(this.#uploaded.keys().next().value!);
      this.#uploaded.set(thumbnail.sha256, pending);
    }
    return pending;
  }

  async #upload(thumbnail: ArtifactRef, altText: string): Promise<string | null> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of (await this.#open(thumbnail)).stream) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      const extension = thumbnail.mime === 'image/png' ? 'png' : thumbnail.mime === 'image/jpeg' ? 'jpg' : 'webp';
      const result = (await this.#client.filesUploadV2({
        file: data,
        filename: `linksnap-${thumbnail.sha256.slice(0, 16)}.${extension}`,
        alt_text: altText,
      })) as { files?: Array<{ files?: Array<{ id?: string }> }> };
      const id = result.files?.[0]?.files?.[0]?.id ?? null;
      if (!id) throw new Error('files.completeUploadExternal returned no file id');
      return id;
    } catch (error) {
      this.#uploaded.delete(thumbnail.sha256);
      this.#logger({ level: 'warn', context: 'slack', message: 'Thumbnail upload failed; the message is posted without it', details: { sha256: thumbnail.sha256, error } });
      return null;
    }
  }
}
