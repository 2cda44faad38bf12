// Thumbnails are uploaded once per snapshot (files.uploadV2, not shared to a channel) and shown through
// an image block that points at the Slack file, so the picture sits inside the card instead of
// arriving as a separate file message. A failed upload leaves the card without a picture.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import type { ArtifactRef, OpenedArtifact, Snapshot } from '../../core/types.js';

export class ThumbnailUploader {
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;
  readonly #open: (ref: ArtifactRef) => Promise<OpenedArtifact>;
  /** snapshot id → Slack file id; a redelivered event or a repost reuses the upload. */
  readonly #uploaded = new Map<string, Promise<string | null>>();

  constructor(options: { client: webApi.WebClient; logger: Logger; open: (ref: ArtifactRef) => Promise<OpenedArtifact> }) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#open = options.open;
  }

  fileIdFor(snapshot: Snapshot): Promise<string | null> {
    const thumbnail = snapshot.artifacts.thumbnail;
    if (!thumbnail || snapshot.status !== 'done') return Promise.resolve(null);
    let pending = this.#uploaded.get(snapshot.id);
    if (!pending) {
      pending = this.#upload(snapshot, thumbnail);
      if (this.#uploaded.size > 2_000) this.#uploaded.delete(this.#uploaded.keys().next().value!);
      this.#uploaded.set(snapshot.id, pending);
    }
    return pending;
  }

  async #upload(snapshot: Snapshot, thumbnail: ArtifactRef): Promise<string | null> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of (await this.#open(thumbnail)).stream) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      const extension = snapshot.artifacts.thumbnail?.mime === 'image/png' ? 'png' : snapshot.artifacts.thumbnail?.mime === 'image/jpeg' ? 'jpg' : 'webp';
      const result = (await this.#client.filesUploadV2({
        file: data,
        filename: `linksnap-${snapshot.id}.${extension}`,
        alt_text: snapshot.title ?? snapshot.url,
      })) as { files?: Array<{ files?: Array<{ id?: string }> }> };
      const id = result.files?.[0]?.files?.[0]?.id ?? null;
      if (!id) throw new Error('files.completeUploadExternal returned no file id');
      return id;
    } catch (error) {
      this.#uploaded.delete(snapshot.id);
      this.#logger({ level: 'warn', context: 'slack', message: 'Thumbnail upload failed; the card is posted without it', details: { snapshotId: snapshot.id, error } });
      return null;
    }
  }
}
