import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has working embedded defaults: SQLite and blobs under ./data, loopback web page', () => {
    const config = loadConfig({}, '/srv/linksnap');
    expect(config.dbPath).toBe('/srv/linksnap/data/linksnap.db');
    expect(config.blobDir).toBe('/srv/linksnap/data/blobs');
    expect(config.blobs).toEqual({ kind: 'file', dir: '/srv/linksnap/data/blobs' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.dedupWindowMs).toBe(10 * 60_000);
    expect(config.onlyAllowed).toBe(false);
    expect(config.concurrency).toBeGreaterThanOrEqual(1);
    expect(config.discord.apiUrl).toBe('https://discord.com/api');
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
  });

  it('records WACZ by default and serves replay from its own origin, never the web page\'s', () => {
    const config = loadConfig({}, '/srv/linksnap');
    expect(config.recordWacz).toBe(true);
    expect(config.replayUrl).toBe('http://127.0.0.1:8081');
    expect(loadConfig({ LINKSNAP_WACZ: '0', LINKSNAP_PORT: '9000' }, '/srv').replayUrl).toBe('http://127.0.0.1:9001');
    expect(loadConfig({ LINKSNAP_WACZ: '0' }, '/srv').recordWacz).toBe(false);
    expect(loadConfig({ LINKSNAP_PUBLIC_URL: 'https://links.example.com', LINKSNAP_REPLAY_URL: 'https://replay.example.net/ignored/path' }, '/srv').replayUrl).toBe('https://replay.example.net');
    expect(() => loadConfig({ LINKSNAP_PUBLIC_URL: 'https://links.example.com', LINKSNAP_REPLAY_URL: 'https://links.example.com/replay' }, '/srv')).toThrow(/LINKSNAP_REPLAY_URL.*other than the web page/);
    expect(() => loadConfig({ LINKSNAP_REPLAY_URL: 'ftp://replay.example.net' }, '/srv')).toThrow(ConfigError);
    // Listening on every address, the server is reached by LINKSNAP_PUBLIC_URL's name, never http://0.0.0.0.
    const everywhere = { LINKSNAP_HOST: '0.0.0.0', LINKSNAP_API_TOKEN: 'secret' };
    expect(loadConfig({ ...everywhere, LINKSNAP_PUBLIC_URL: 'http://links.example.com:8080' }, '/srv').replayUrl).toBe('http://links.example.com:8081');
    expect(loadConfig({ ...everywhere, LINKSNAP_HOST: '::', LINKSNAP_PUBLIC_URL: 'http://[2001:db8::1]:8080/' }, '/srv').replayUrl).toBe('http://[2001:db8::1]:8081');
    expect(loadConfig({ ...everywhere, LINKSNAP_PUBLIC_URL: 'http://links.example.com:8080', LINKSNAP_REPLAY_URL: 'http://replay.example.com:9000' }, '/srv').replayUrl).toBe('http://replay.example.com:9000');
    expect(loadConfig({ ...everywhere, LINKSNAP_HOST: '10.0.0.5', LINKSNAP_PUBLIC_URL: 'http://links.example.com:8080' }, '/srv').replayUrl).toBe('http://10.0.0.5:8081');
  });

  it('reads durations, sizes, lists and flags with their units', () => {
    const config = loadConfig({
      LINKSNAP_DATA_DIR: '/var/lib/linksnap',
      LINKSNAP_DEDUP_WINDOW: '2h',
      LINKSNAP_NAV_TIMEOUT: '1500ms',
      LINKSNAP_CAPTURE_TIMEOUT: '45',
      LINKSNAP_MAX_DOWNLOAD: '5MB',
      LINKSNAP_ALLOW_NETS: '10.20.0.0/16, 192.168.5.0/24',
      LINKSNAP_ONLY_ALLOWED: 'yes',
      LINKSNAP_PUBLIC_URL: 'https://snaps.example.com/',
    });
    expect(config.dataDir).toBe('/var/lib/linksnap');
    expect(config.dedupWindowMs).toBe(7_200_000);
    expect(config.capture.navigationTimeoutMs).toBe(1500);
    expect(config.capture.captureTimeoutMs).toBe(45_000);
    expect(config.capture.maxDownloadBytes).toBe(5 * 1024 * 1024);
    expect(config.allowNets).toEqual(['10.20.0.0/16', '192.168.5.0/24']);
    expect(config.onlyAllowed).toBe(true);
    expect(config.publicUrl).toBe('https://snaps.example.com');
  });

  it('names the setting and what it expects when a value is malformed', () => {
    expect(() => loadConfig({ LINKSNAP_PORT: 'eighty' })).toThrow(/LINKSNAP_PORT="eighty".*whole number/);
    expect(() => loadConfig({ LINKSNAP_DEDUP_WINDOW: 'soon' })).toThrow(/LINKSNAP_DEDUP_WINDOW.*duration/);
    expect(() => loadConfig({ LINKSNAP_ONLY_ALLOWED: 'maybe' })).toThrow(ConfigError);
  });

  it('reads LINKSNAP_BLOBS=s3://bucket/prefix with its endpoint, region, path style and keys', () => {
    const config = loadConfig({
      LINKSNAP_BLOBS: 's3://snaps.example/team/a/',
      LINKSNAP_S3_ENDPOINT: 'http://minio.internal:9000/',
      LINKSNAP_S3_REGION: 'eu-central-1',
      LINKSNAP_S3_FORCE_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: 'AKIA1',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(config.blobs).toEqual({
      kind: 's3',
      bucket: 'snaps.example',
      prefix: 'team/a/',
      endpoint: 'http://minio.internal:9000',
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'secret' },
    });
    // No prefix, AWS itself, the SDK's own credentials (instance role or profile).
    expect(loadConfig({ LINKSNAP_BLOBS: 's3://bucket-1' }).blobs).toEqual({ kind: 's3', bucket: 'bucket-1', prefix: '', endpoint: null, region: 'us-east-1', forcePathStyle: false, credentials: null });
    expect(() => loadConfig({ LINKSNAP_BLOBS: 'minio' })).toThrow(/LINKSNAP_BLOBS="minio".*s3:\/\/bucket\/prefix/);
    expect(() => loadConfig({ LINKSNAP_BLOBS: 's3://Bad_Bucket/x' })).toThrow(ConfigError);
    expect(() => loadConfig({ LINKSNAP_BLOBS: 's3://b-1', LINKSNAP_S3_ENDPOINT: 'minio:9000' })).toThrow(/LINKSNAP_S3_ENDPOINT.*http/);
    expect(() => loadConfig({ LINKSNAP_BLOBS: 's3://b-1', AWS_ACCESS_KEY_ID: 'AKIA1' })).toThrow(/AWS_SECRET_ACCESS_KEY/);
    // S3 settings without LINKSNAP_BLOBS would be silently ignored: said instead.
    expect(() => loadConfig({ LINKSNAP_S3_ENDPOINT: 'http://minio:9000' })).toThrow(/LINKSNAP_BLOBS=s3/);
  });

  it('reads DATABASE_URL for Postgres and never repeats its password in an error', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://linksnap:s3cret@db.internal:5432/linksnap', DATABASE_POOL_SIZE: '25' }, '/srv');
    expect(config).toMatchObject({ databaseUrl: 'postgres://linksnap:s3cret@db.internal:5432/linksnap', databasePoolSize: 25 });
    expect(loadConfig({}, '/srv')).toMatchObject({ databaseUrl: null, databasePoolSize: 10, dbPath: '/srv/data/linksnap.db' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://h/db' }).databaseUrl).toBe('postgresql://h/db');
    for (const bad of ['mysql://u:s3cret@h/db', 'postgres://u:s3cret@h', 'postgres://u:s3cret@h/', 'not a url s3cret']) {
      let message = '';
      try {
        loadConfig({ DATABASE_URL: bad });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, bad).toMatch(/DATABASE_URL.*postgres:\/\/user:pass@host:5432/);
      expect(message, bad).not.toContain('s3cret');
    }
  });

  it('refuses to open the web page beyond this machine without a token', () => {
    expect(() => loadConfig({ LINKSNAP_HOST: '0.0.0.0' })).toThrow(/LINKSNAP_API_TOKEN/);
    expect(loadConfig({ LINKSNAP_HOST: '0.0.0.0', LINKSNAP_API_TOKEN: 's3cret' }).host).toBe('0.0.0.0');
    expect(loadConfig({ LINKSNAP_HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ LINKSNAP_HOST: 'localhost' }).host).toBe('localhost');
  });
});
