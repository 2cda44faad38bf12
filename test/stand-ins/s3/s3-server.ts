// A real S3 wire-protocol server on loopback (s3rver, objects in a temp folder), standing in for
// AWS, MinIO or R2, which tests cannot reach. `env` is what an admin would set for linksnap.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface S3StandIn {
  endpoint: string;
  bucket: string;
  /** The folder s3rver keeps objects in: tests look here to see what the bucket really holds. */
  directory: string;
  /** LINKSNAP_BLOBS and friends for a store under `prefix` in the bucket. */
  env(prefix?: string): Record<string, string>;
  /** Object keys stored in the bucket (s3rver keeps each object as `<key>._S3rver_object`). */
  keys(): string[];
  /** Makes an object look last written or touched at `when` (its file's mtime and its `touched` metadata). */
  age(key: string, when: Date): void;
  close(): Promise<void>;
}

export async function startS3StandIn(bucket = 'linksnap-test'): Promise<S3StandIn> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'linksnap-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  let address;
  try {
    address = await server.run();
  } catch (error) {
    throw new Error(`The S3 stand-in (s3rver) could not start on 127.0.0.1: ${(error as Error).message}`, { cause: error });
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    directory,
    env: (prefix = 'blobs') => ({
      LINKSNAP_BLOBS: `s3://${bucket}/${prefix}`,
      LINKSNAP_S3_ENDPOINT: endpoint,
      LINKSNAP_S3_REGION: 'us-east-1',
      LINKSNAP_S3_FORCE_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    keys() {
      const root = path.join(directory, bucket);
      if (!fs.existsSync(root)) return [];
      return (fs.readdirSync(root, { recursive: true }) as string[])
        .filter((name) => name.endsWith('._S3rver_object'))
        .map((name) => name.slice(0, -'._S3rver_object'.length).split(path.sep).join('/'))
        .sort();
    },
    age(key, when) {
      const object = path.join(directory, bucket, ...key.split('/'));
      const metadataFile = `${object}._S3rver_metadata.json`;
      const metadata = JSON.parse(fs.readFileSync(metadataFile, 'utf8')) as Record<string, string>;
      if ('x-amz-meta-touched' in metadata) metadata['x-amz-meta-touched'] = String(when.getTime());
      fs.writeFileSync(metadataFile, JSON.stringify(metadata, null, 2));
      fs.utimesSync(`${object}._S3rver_object`, when, when);
    },
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
