// The environment is read here once, into one typed object that is passed down. No other module
// reads process.env. Every setting is documented, with its default, in .env.example and README.
import os from 'node:os';
import path from 'node:path';
import { parsePortList } from './core/egress/ports.js';

export interface CaptureLimits {
  /** Hard deadline for navigation, in ms. */
  navigationTimeoutMs: number;
  /** Whole-capture deadline (navigation, settle and every artifact), in ms. */
  captureTimeoutMs: number;
  /** Network-quiet window after `load`, in ms, and its cap. */
  settleQuietMs: number;
  settleMaxMs: number;
  /** Bounded scroll to trigger lazy content. */
  scrollMaxSteps: number;
  viewportWidth: number;
  viewportHeight: number;
  thumbnailMaxWidth: number;
  fullPageMaxHeight: number;
  /** Non-HTML downloads (PDF, images, files) saved by preflight. */
  maxDownloadBytes: number;
  /** HTML responses larger than this are refused before the browser opens them. */
  maxHtmlBytes: number;
  maxMhtmlBytes: number;
  maxArchiveBytes: number;
  maxTextChars: number;
  maxScreenshotBytes: number;
  /** The WACZ package of one capture (every response the page loaded, gzipped WARC records). */
  maxWaczBytes: number;
}

export const DefaultCaptureLimits = {
  navigationTimeoutMs: 30_000,
  // The whole job, retries included (see jobBudget in service.ts): a link that cannot be captured
  // is reported within a minute.
  captureTimeoutMs: 60_000,
  // After `load`, 200 ms without a request counts as settled (was 500): the fixture tests (lazy
  // images, slow pages, consent banners) keep every artifact with it, while each idle millisecond
  // after load is also renderer CPU spent on a finished page, and CPU is what caps captures per
  // minute on a small machine (measured in bench/capture-bench.ts). The cap, settleMaxMs, is unchanged.
  settleQuietMs: 200,
  settleMaxMs: 3_000,
  scrollMaxSteps: 12,
  viewportWidth: 1280,
  viewportHeight: 800,
  thumbnailMaxWidth: 400,
  fullPageMaxHeight: 12_000,
  maxDownloadBytes: 50 * 1024 * 1024,
  maxHtmlBytes: 15 * 1024 * 1024,
  maxMhtmlBytes: 60 * 1024 * 1024,
  maxArchiveBytes: 80 * 1024 * 1024,
  maxTextChars: 2_000_000,
  maxScreenshotBytes: 20 * 1024 * 1024,
  maxWaczBytes: 80 * 1024 * 1024,
} as const satisfies CaptureLimits;

/** The largest saved page accepted for "upload your own" (LINKSNAP_MAX_UPLOAD). */
export const DefaultMaxUploadBytes = 50 * 1024 * 1024;

/** Where artifact blobs live (LINKSNAP_BLOBS): files under the data folder, or an S3-compatible bucket. */
export type BlobSettings = { kind: 'file'; dir: string } | S3BlobSettings;

export interface S3BlobSettings {
  kind: 's3';
  bucket: string;
  /** Key prefix inside the bucket, '' or ending in '/'. */
  prefix: string;
  /** LINKSNAP_S3_ENDPOINT (MinIO, Ceph, R2, Garage…); null: AWS itself. */
  endpoint: string | null;
  region: string;
  forcePathStyle: boolean;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; null: the SDK's own chain (instance role, profile). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | null;
}

export interface Config {
  dataDir: string;
  /** The SQLite file, used while databaseUrl is null. */
  dbPath: string;
  /** DATABASE_URL: postgres://user:pass@host:5432/db puts rows, jobs and events in PostgreSQL; null: SQLite at dbPath. */
  databaseUrl: string | null;
  /** DATABASE_POOL_SIZE: connections this process keeps to Postgres (plus one that listens for new jobs). */
  databasePoolSize: number;
  blobDir: string;
  blobs: BlobSettings;
  host: string;
  port: number;
  publicUrl: string;
  /** LINKSNAP_MAX_UPLOAD: the largest saved page ("upload your own") accepted. */
  maxUploadBytes: number;
  /** LINKSNAP_WACZ: record every capture as a WACZ web archive (on by default). */
  recordWacz: boolean;
  /**
   * LINKSNAP_REPLAY_URL: the separate origin the replay viewer, its service worker and the WACZ
   * files it loads are served from. Archived scripts run there, so it must not be the web page's
   * origin. Default: the web server's host on LINKSNAP_PORT + 1.
   */
  replayUrl: string;
  apiToken: string | null;
  /** HMAC key for signed snapshot links; null means a key generated once and kept in the data folder. */
  linkSecret: string | null;
  /** Signed links expire after this many seconds; null: never. */
  linkTtlSec: number | null;
  /** Captures at once; with LINKSNAP_CONCURRENCY unset (or `auto`) the floor of an adaptive range. */
  concurrency: number;
  /** The adaptive range's ceiling; equal to `concurrency` when LINKSNAP_CONCURRENCY is a number. */
  concurrencyMax: number;
  dedupWindowMs: number;
  /** LINKSNAP_IMPORT_HOST_INTERVAL: an import's captures of one host are queued at least this far apart. */
  importHostIntervalMs: number;
  allowNets: string[];
  onlyAllowed: boolean;
  /** LINKSNAP_ALLOW_PORTS: captures may use only these ports; null: every port but the ones browsers refuse. */
  allowPorts: number[] | null;
  chromePath: string | null;
  /** Captures before the browser is relaunched to bound memory growth. */
  browserRecycleAfter: number;
  /** PSS the browser may hold before the adaptive concurrency stops adding captures, in bytes. */
  browserMemoryBudget: number;
  /** 'idle': the browser runs only on CPU time the service leaves free (SCHED_IDLE). */
  browserPriority: 'idle' | 'normal';
  /** Block ads and trackers, and opt out of cookie banners. */
  blockAds: boolean;
  capture: CaptureLimits;
  jobMaxAttempts: number;
  jobLeaseMs: number;
  linkCheckCron: string | null;
  /** When unreferenced blob files are deleted (LINKSNAP_GC_CRON); null: only by `linksnap gc`. */
  gcCron: string | null;
  /** How old an unreferenced blob must be before gc deletes it (LINKSNAP_GC_GRACE). */
  gcGraceMs: number;
  watches: {
    /** LINKSNAP_WATCH_MIN_INTERVAL: no watch runs more often than this. */
    minIntervalMs: number;
    /** LINKSNAP_WATCHES_PER_WORKSPACE: how many watches one workspace may keep. */
    perWorkspace: number;
    /** LINKSNAP_WATCH_TICK: how often due watches are looked for and finished runs judged. */
    tickMs: number;
  };
  /** LINKSNAP_DIGEST_CRON: when channel digests are posted (weekly ones on Mondays); null: never. */
  digestCron: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  discord: {
    token: string | null;
    guildId: string | null;
    apiUrl: string;
    /** DISCORD_SHARD_COUNT: how many shards the bot's gateway is split into (every process agrees); null: one. */
    shardCount: number | null;
    /** DISCORD_SHARDS: the shard ids this process runs (all of them when unset). */
    shards: number[] | null;
  };
  slack: {
    botToken: string | null;
    appToken: string | null;
    signingSecret: string | null;
    apiUrl: string;
  };
  rateLimit: {
    /** Explicit /snap requests one user may make per minute. */
    snapsPerUserPerMinute: number;
  };
  /** Bytes of artifacts one workspace may keep before new captures are refused; null: no quota. */
  workspaceQuotaBytes: number | null;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const dataDir = path.resolve(cwd, str(env, 'LINKSNAP_DATA_DIR') ?? 'data');
  const port = int(env, 'LINKSNAP_PORT', 8080, 0, 65535);
  const host = str(env, 'LINKSNAP_HOST') ?? '127.0.0.1';
  const apiToken = str(env, 'LINKSNAP_API_TOKEN');
  // Without a token the web page shows every workspace's links, private channels included; that is
  // only acceptable when nobody but this machine can reach it.
  if (!apiToken && !isLoopbackHost(host)) {
    throw new ConfigError('LINKSNAP_HOST', host, 'a loopback address (127.0.0.1, ::1, localhost) unless LINKSNAP_API_TOKEN is set too');
  }
  const publicUrl = (str(env, 'LINKSNAP_PUBLIC_URL') ?? httpOrigin(host, port)).replace(/\/+$/, '');
  return {
    dataDir,
    dbPath: path.join(dataDir, 'linksnap.db'),
    databaseUrl: databaseUrl(env),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    blobDir: path.join(dataDir, 'blobs'),
    blobs: blobSettings(env, path.join(dataDir, 'blobs')),
    host,
    port,
    publicUrl,
    recordWacz: bool(env, 'LINKSNAP_WACZ', true),
    maxUploadBytes: bytes(env, 'LINKSNAP_MAX_UPLOAD', DefaultMaxUploadBytes),
    replayUrl: replayUrl(env, host, port, publicUrl),
    apiToken,
    linkSecret: str(env, 'LINKSNAP_LINK_SECRET'),
    linkTtlSec: env.LINKSNAP_LINK_TTL ? Math.round(duration(env, 'LINKSNAP_LINK_TTL', 0) / 1000) : null,
    ...concurrencyFrom(env),
    dedupWindowMs: duration(env, 'LINKSNAP_DEDUP_WINDOW', 10 * 60_000),
    importHostIntervalMs: duration(env, 'LINKSNAP_IMPORT_HOST_INTERVAL', 10_000),
    allowNets: list(env, 'LINKSNAP_ALLOW_NETS'),
    onlyAllowed: bool(env, 'LINKSNAP_ONLY_ALLOWED', false),
    allowPorts: portList(env, 'LINKSNAP_ALLOW_PORTS'),
    chromePath: str(env, 'CHROME_PATH'),
    browserRecycleAfter: int(env, 'LINKSNAP_BROWSER_RECYCLE_AFTER', 200, 1, 1_000_000),
    browserMemoryBudget: int(env, 'LINKSNAP_BROWSER_MEMORY_MB', 1024, 128, 1_048_576) * 1024 * 1024,
    browserPriority: oneOf(env, 'LINKSNAP_BROWSER_PRIORITY', ['idle', 'normal'] as const, 'idle'),
    blockAds: bool(env, 'LINKSNAP_BLOCK_ADS', true),
    capture: {
      ...DefaultCaptureLimits,
      navigationTimeoutMs: duration(env, 'LINKSNAP_NAV_TIMEOUT', DefaultCaptureLimits.navigationTimeoutMs),
      captureTimeoutMs: duration(env, 'LINKSNAP_CAPTURE_TIMEOUT', DefaultCaptureLimits.captureTimeoutMs),
      maxDownloadBytes: bytes(env, 'LINKSNAP_MAX_DOWNLOAD', DefaultCaptureLimits.maxDownloadBytes),
      maxHtmlBytes: bytes(env, 'LINKSNAP_MAX_HTML', DefaultCaptureLimits.maxHtmlBytes),
    },
    jobMaxAttempts: int(env, 'LINKSNAP_JOB_ATTEMPTS', 3, 1, 20),
    jobLeaseMs: duration(env, 'LINKSNAP_JOB_LEASE', 3 * 60_000),
    linkCheckCron: env.LINKSNAP_LINKCHECK_CRON === '' ? null : (str(env, 'LINKSNAP_LINKCHECK_CRON') ?? '17 4 * * *'),
    gcCron: env.LINKSNAP_GC_CRON === '' ? null : (str(env, 'LINKSNAP_GC_CRON') ?? '47 4 * * *'),
    gcGraceMs: duration(env, 'LINKSNAP_GC_GRACE', 60 * 60_000),
    watches: {
      minIntervalMs: duration(env, 'LINKSNAP_WATCH_MIN_INTERVAL', 3_600_000),
      perWorkspace: int(env, 'LINKSNAP_WATCHES_PER_WORKSPACE', 100, 0, 1_000_000),
      tickMs: duration(env, 'LINKSNAP_WATCH_TICK', 30_000),
    },
    digestCron: env.LINKSNAP_DIGEST_CRON === '' ? null : (str(env, 'LINKSNAP_DIGEST_CRON') ?? '0 9 * * *'),
    logLevel: oneOf(env, 'LINKSNAP_LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    discord: {
      token: str(env, 'DISCORD_TOKEN'),
      guildId: str(env, 'DISCORD_GUILD_ID'),
      apiUrl: (str(env, 'DISCORD_API_URL') ?? 'https://discord.com/api').replace(/\/+$/, ''),
      ...discordShards(env),
    },
    slack: {
      botToken: str(env, 'SLACK_BOT_TOKEN'),
      appToken: str(env, 'SLACK_APP_TOKEN'),
      signingSecret: str(env, 'SLACK_SIGNING_SECRET'),
      apiUrl: str(env, 'SLACK_API_URL') ?? 'https://slack.com/api/',
    },
    rateLimit: {
      snapsPerUserPerMinute: int(env, 'LINKSNAP_SNAPS_PER_MINUTE', 10, 1, 10_000),
    },
    workspaceQuotaBytes: ['', 'none', 'off', '0'].includes((str(env, 'LINKSNAP_WORKSPACE_QUOTA') ?? '').toLowerCase()) ? null : bytes(env, 'LINKSNAP_WORKSPACE_QUOTA', 0),
  };
}

/**
 * A number fixes it. Unset or `auto`: one capture per core at least, up to four per core while the
 * CPU has idle time and memory is free (see core/concurrency.ts).
 */
function concurrencyFrom(env: Env): { concurrency: number; concurrencyMax: number } {
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const raw = str(env, 'LINKSNAP_CONCURRENCY');
  if (raw === null || raw.toLowerCase() === 'auto') return { concurrency: cores, concurrencyMax: Math.min(64, cores * 4) };
  const fixed = int(env, 'LINKSNAP_CONCURRENCY', cores, 1, 64);
  return { concurrency: fixed, concurrencyMax: fixed };
}

function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** `http://host:port`, an IPv6 address in brackets. */
export function httpOrigin(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The replay origin: given, or the web server's host on the next port (port 0, "any free port",
 * stays 0 and the server reports the one it got). A server listening on every address (0.0.0.0,
 * ::) is reached by the name in LINKSNAP_PUBLIC_URL, so that name is used: browsers cannot open
 * http://0.0.0.0.
 */
function replayUrl(env: Env, host: string, port: number, publicUrl: string): string {
  const given = str(env, 'LINKSNAP_REPLAY_URL');
  const reachedAs = isWildcardHost(host) && str(env, 'LINKSNAP_PUBLIC_URL') ? new URL(publicUrl).hostname.replace(/^\[(.*)\]$/, '$1') : host;
  const url = new URL(given ?? httpOrigin(reachedAs, port === 0 ? 0 : port + 1));
  if (!/^https?:$/.test(url.protocol)) throw new ConfigError('LINKSNAP_REPLAY_URL', given ?? '', 'an http:// or https:// origin');
  const replay = url.origin;
  // Port 0 on both sides means "any free port" for each: two servers, two ports, never one origin.
  if (replay === new URL(publicUrl).origin && url.port !== '0') throw new ConfigError('LINKSNAP_REPLAY_URL', given ?? replay, 'an origin other than the web page\'s (LINKSNAP_PUBLIC_URL): archived scripts run there');
  return replay;
}

/** DATABASE_URL, checked for a Postgres scheme and a database name; never echoed with its password. */
function databaseUrl(env: Env): string | null {
  const raw = str(env, 'DATABASE_URL');
  if (raw === null) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = null;
  }
  if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol) || parsed.pathname.replace(/^\/+/, '') === '') {
    // Only the parts that hold no secret are repeated; a value that is not a URL is not repeated at all.
    const shown = parsed ? `${parsed.protocol}//${parsed.host}${parsed.pathname}` : '(not a URL)';
    throw new ConfigError('DATABASE_URL', shown, 'a PostgreSQL URL such as postgres://user:pass@host:5432/linksnap (unset: SQLite under LINKSNAP_DATA_DIR)');
  }
  return raw;
}

/** LINKSNAP_BLOBS=file | s3://bucket/prefix, with the LINKSNAP_S3_* settings and the AWS keys. */
function blobSettings(env: Env, fileDir: string): BlobSettings {
  const raw = str(env, 'LINKSNAP_BLOBS') ?? 'file';
  if (raw === 'file') {
    for (const name of ['LINKSNAP_S3_ENDPOINT', 'LINKSNAP_S3_FORCE_PATH_STYLE']) {
      if (str(env, name) !== null) throw new ConfigError(name, str(env, name) ?? '', 'LINKSNAP_BLOBS=s3://bucket/prefix (it has no effect on the file store)');
    }
    return { kind: 'file', dir: fileDir };
  }
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(raw);
  if (!match) throw new ConfigError('LINKSNAP_BLOBS', raw, '`file` or s3://bucket/prefix (a bucket name of 3-63 lower-case letters, digits, dots and hyphens)');
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  const endpoint = str(env, 'LINKSNAP_S3_ENDPOINT');
  if (endpoint !== null && !/^https?:\/\/[^/]+/.test(endpoint)) throw new ConfigError('LINKSNAP_S3_ENDPOINT', endpoint, 'an http:// or https:// URL, such as http://127.0.0.1:9000');
  const accessKeyId = str(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'AWS_SECRET_ACCESS_KEY');
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    const [name, value] = accessKeyId === null ? ['AWS_ACCESS_KEY_ID', ''] : ['AWS_SECRET_ACCESS_KEY', ''];
    throw new ConfigError(name, value, 'to be set together with ' + (accessKeyId === null ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'));
  }
  const sessionToken = str(env, 'AWS_SESSION_TOKEN');
  return {
    kind: 's3',
    bucket: match[1],
    prefix: prefix ? `${prefix}/` : '',
    endpoint: endpoint?.replace(/\/+$/, '') ?? null,
    region: str(env, 'LINKSNAP_S3_REGION') ?? str(env, 'AWS_REGION') ?? 'us-east-1',
    forcePathStyle: bool(env, 'LINKSNAP_S3_FORCE_PATH_STYLE', false),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } : null,
  };
}

/** DISCORD_SHARD_COUNT and DISCORD_SHARDS, checked against each other. */
function discordShards(env: Env): { shardCount: number | null; shards: number[] | null } {
  const countText = str(env, 'DISCORD_SHARD_COUNT');
  const shardsText = str(env, 'DISCORD_SHARDS');
  if (countText === null) {
    if (shardsText !== null) throw new ConfigError('DISCORD_SHARDS', shardsText, 'DISCORD_SHARD_COUNT to be set too (every process must agree on the count)');
    return { shardCount: null, shards: null };
  }
  const shardCount = int(env, 'DISCORD_SHARD_COUNT', 1, 1, 4096);
  if (shardsText === null) return { shardCount, shards: null };
  const shards = shardsText.split(',').map((part) => part.trim());
  if (!shards.length || shards.some((part) => !/^\d+$/.test(part) || Number(part) >= shardCount)) {
    throw new ConfigError('DISCORD_SHARDS', shardsText, `shard ids from 0 to ${shardCount - 1}, separated by commas (DISCORD_SHARD_COUNT is ${shardCount})`);
  }
  return { shardCount, shards: [...new Set(shards.map(Number))].sort((a, b) => a - b) };
}

export class ConfigError extends Error {
  constructor(name: string, value: string, expected: string) {
    super(`Setting ${name}=${JSON.stringify(value)} is not valid: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function str(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, raw, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === null) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, raw, '1/0, true/false, yes/no or on/off');
}

function list(env: Env, name: string): string[] {
  return (str(env, name) ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function portList(env: Env, name: string): number[] | null {
  const raw = str(env, name);
  if (raw === null) return null;
  const parsed = parsePortList(raw);
  if ('error' in parsed) throw new ConfigError(name, raw, parsed.error);
  return parsed.ports;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === null) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(name, raw, `one of ${allowed.join(', ')}`);
}

const DurationUnitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration as `500ms`, `30s`, `10m`, `2h`, `1d`, or a bare number of seconds. */
export function duration(env: Env, name: string, fallbackMs: number): number {
  const raw = str(env, name);
  if (raw === null) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(raw);
  if (!match) throw new ConfigError(name, raw, 'a duration such as 30s, 10m or 2h');
  return Math.round(Number(match[1]) * DurationUnitsMs[(match[2] ?? 's').toLowerCase()]);
}

const ByteUnits: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** A size as `512KB`, `50MB`, `1GB`, or a bare number of bytes. */
function bytes(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === null) return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb?|mb?|gb?)?$/i.exec(raw);
  if (!match) throw new ConfigError(name, raw, 'a size such as 512KB, 50MB or 1GB');
  return Math.round(Number(match[1]) * ByteUnits[(match[2] ?? 'b').toLowerCase()]);
}
