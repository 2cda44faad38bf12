// `linksnap` command line: snap | find | show | diff | tags | watch | check-links | settings | export | import | serve
// [--no-workers] | worker | gc | migrate | discord:register. A thin adapter like the chat bots: it
// parses arguments, calls the service, prints the result. Issue 12's commands (watch, diff,
// check-links, settings) live in src/cli/, with what the commands share (common.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp, type App } from './app.js';
import { installLastResortHandler } from './core/capture-scope.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { asLinksnapError, formatBytes } from './core/errors.js';
import { checkLinksCommand } from './cli/check-links.js';
import { fail, idsAsPositionals, LocalWorkspace, printJson, Usage, usageError, when } from './cli/common.js';
import { diffCommand } from './cli/diff.js';
import { exportCommand } from './cli/export.js';
import { importCommand } from './cli/import.js';
import { settingsCommand } from './cli/settings.js';
import { watchCommand } from './cli/watch.js';
import { createJsonLogger, type Logger } from './core/logger.js';
import { snapshotJson } from './core/snapshot-json.js';
import type { Link, Snapshot } from './core/types.js';
import { openStoreDatabase } from './storage/open-database.js';
import { migrateToLatest } from './storage/migrate.js';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${Usage}\n`);
    return command ? 0 : 2;
  }
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`linksnap: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createJsonLogger(command === 'serve' || command === 'worker' ? config.logLevel : 'warn');
  switch (command) {
    case 'snap':
      installLastResortHandler({ logger });
      return withApp(config, logger, true, (app) => snap(app, rest));
    case 'find':
      return withApp(config, logger, false, (app) => find(app, rest));
    case 'show':
      return withApp(config, logger, false, (app) => show(app, rest));
    case 'tags':
      return withApp(config, logger, false, (app) => tags(app, rest));
    case 'diff':
      return withApp(config, logger, false, (app) => diffCommand(app, rest));
    case 'watch':
      // `add` and `run` capture in this process and wait for it, as snap does.
      installLastResortHandler({ logger });
      return withApp(config, logger, rest[0] === 'add' || rest[0] === 'run', (app) => watchCommand(app, rest));
    case 'check-links':
      return withApp(config, logger, false, (app) => checkLinksCommand(app, rest));
    case 'settings':
      return withApp(config, logger, false, (app) => settingsCommand(app, rest));
    case 'export':
      return withApp(config, logger, false, (app) => exportCommand(app, rest));
    case 'import':
      // Queues captures (with --capture) for `serve` or a worker; it captures nothing itself.
      return withApp(config, logger, false, (app) => importCommand(app, rest));
    case 'migrate':
      return migrate(config, rest);
    case 'gc':
      return withApp(config, logger, false, (app) => gc(app, rest));
    case 'serve': {
      const unknown = rest.filter((arg) => arg !== '--no-workers');
      if (unknown.length) return usageError(`serve takes only --no-workers, not ${unknown.join(' ')}`);
      const { serve } = await import('./server.js');
      await serve(config, logger, { workers: !rest.includes('--no-workers') });
      return -1; // keeps running until a signal
    }
    case 'worker': {
      if (rest.length) return usageError('worker takes no arguments');
      const { serve } = await import('./server.js');
      await serve(config, logger, { workerOnly: true });
      return -1;
    }
    case 'discord:register': {
      const { registerDiscordCommands } = await import('./bots/discord/index.js');
      if (!config.discord.token) {
        process.stderr.write('linksnap: DISCORD_TOKEN is not set; nothing to register.\n');
        return 2;
      }
      await registerDiscordCommands({ config, logger });
      process.stdout.write(`Registered the slash commands ${config.discord.guildId ? `in guild ${config.discord.guildId}` : 'globally'}.\n`);
      return 0;
    }
    default:
      process.stderr.write(`linksnap: unknown command "${command}"\n\n${Usage}\n`);
      return 2;
  }
}

async function withApp(config: Config, logger: Logger, captures: boolean, fn: (app: App) => Promise<number>): Promise<number> {
  const app = await createApp({ config, logger, captures });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function snap(app: App, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { tag: { type: 'string', multiple: true, short: 't' }, json: { type: 'boolean' }, force: { type: 'boolean' } },
  });
  if (positionals.length !== 1) return usageError('snap takes exactly one URL');
  try {
    const accepted = await app.service.snap({
      url: positionals[0],
      tags: values.tag ?? [],
      force: values.force ?? false,
      workspace: LocalWorkspace,
      requester: { id: 'local', name: os.userInfo().username },
      source: { platform: 'cli' },
    });
    const snapshot = await app.service.waitFor(accepted.snapshot.id);
    const link = await app.service.getLink(snapshot.workspaceId, snapshot.linkId);
    print(app, snapshot, link, values.json ?? false);
    if (snapshot.status === 'failed') {
      if (!values.json) process.stderr.write(`linksnap: capture failed: ${snapshot.error}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    return fail(error, values.json ?? false);
  }
}

async function find(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      tag: { type: 'string', multiple: true, short: 't' },
      text: { type: 'string', short: 'q' },
      dead: { type: 'boolean' },
      limit: { type: 'string', short: 'n' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return usageError('--limit takes a whole number from 1 to 100');
  const dead = values.dead ?? false;
  if (dead && values.text !== undefined) return usageError('--dead lists dead links, by --tag if given; it does not search text, so leave --text out');
  try {
    const result = await app.service.find({
      workspaceId: LocalWorkspace.id,
      tags: values.tag ?? [],
      text: values.text,
      dead,
      limit,
      cursor: values.cursor ?? null,
    });
    if (values.json) {
      const items = result.items.map(({ snapshot, link }) => {
        const data = snapshotJson(snapshot, link, (sha256) => app.blobs.locator(sha256));
        return dead ? { ...data, deadSince: link.lastCheck?.deadSince ?? null, deadReason: link.lastCheck?.deadReason ?? null } : data;
      });
      printJson({ items, nextCursor: result.nextCursor });
    } else if (result.items.length === 0) {
      process.stdout.write(dead ? 'No dead links.\n' : 'Nothing found.\n');
    } else {
      for (const { snapshot, link } of result.items) {
        const state = snapshotState(snapshot);
        process.stdout.write(`${snapshot.id}  ${(snapshot.capturedAt ?? snapshot.createdAt).slice(0, 16).replace('T', ' ')}  ${snapshot.title ?? '(untitled)'}${state ? `  [${state}]` : ''}\n`);
        process.stdout.write(`    ${link.url}${link.tags.length ? `  #${link.tags.join(' #')}` : ''}\n`);
        if (dead) process.stdout.write(`    dead since ${when(link.lastCheck?.deadSince ?? null)}: ${link.lastCheck?.deadReason ?? 'gone'}\n`);
      }
      if (result.nextCursor) process.stdout.write(`More: --cursor ${result.nextCursor}\n`);
    }
    return 0;
  } catch (error) {
    return fail(error, values.json ?? false);
  }
}

/** What a plain listing says of a snapshot that is not a clean capture (nothing for one that is). */
function snapshotState(snapshot: Snapshot): string | null {
  switch (snapshot.status) {
    case 'not_captured':
      return 'not captured yet: linksnap snap <url> captures it';
    case 'queued':
      return 'queued';
    case 'capturing':
      return 'capturing';
    case 'failed':
      return `failed: ${snapshot.error ?? 'unknown error'}`;
    default:
      return snapshot.degraded ? `incomplete: ${snapshot.degradedReason ?? 'some parts missing'}` : null;
  }
}

async function show(app: App, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: idsAsPositionals(args), allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) return usageError('show takes exactly one snapshot id');
  try {
    const snapshot = await app.service.getSnapshot(LocalWorkspace.id, positionals[0]);
    const link = await app.service.getLink(snapshot.workspaceId, snapshot.linkId);
    // Who shared it, where, when and what they wrote: the conversation kept with the snapshot.
    const conversation = (await app.service.listShares(snapshot.workspaceId, snapshot.linkId)).map((share) => ({
      platform: share.platform,
      userId: share.userId,
      userName: share.userName,
      channelId: share.channelId,
      channelName: share.channelName,
      sharedAt: share.createdAt,
      messageText: share.messageText,
    }));
    print(app, snapshot, link, values.json ?? false, conversation);
    return 0;
  } catch (error) {
    return fail(error, values.json ?? false);
  }
}

async function gc(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { grace: { type: 'string' }, json: { type: 'boolean' } } });
  let graceMs: number | undefined;
  if (values.grace !== undefined) {
    try {
      graceMs = loadConfig({ LINKSNAP_GC_GRACE: values.grace }).gcGraceMs;
    } catch {
      return usageError(`--grace takes a duration such as 10m, 1h or 0s, not ${values.grace}`);
    }
  }
  const report = await app.collectGarbage({ graceMs });
  if (values.json) {
    printJson(report);
    return 0;
  }
  const { retention } = report;
  process.stdout.write(
    retention.workspaces === 0
      ? 'Retention: no workspace limits its versions or full-page screenshots (linksnap settings --keep-versions, --drop-fullpage-after).\n'
      : `Retention in ${retention.workspaces} workspace${retention.workspaces === 1 ? '' : 's'}: deleted ${retention.versionsDeleted} old version${retention.versionsDeleted === 1 ? '' : 's'}, dropped ${retention.fullPagesDropped} full-page screenshot${retention.fullPagesDropped === 1 ? '' : 's'}; files only they used are deleted below once older than the grace period.\n`,
  );
  process.stdout.write(`Scanned ${report.scanned} blobs in ${app.blobs.location}; deleted ${report.deleted} nothing referenced (${formatBytes(report.deletedBytes)}); ${report.tooYoung} unreferenced but younger than the grace period kept for a later run.\n`);
  return 0;
}

async function tags(app: App, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const counts = await app.service.listTags(LocalWorkspace.id);
  if (values.json) process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
  else if (counts.length === 0) process.stdout.write('No tags yet.\n');
  else for (const { tag, count } of counts) process.stdout.write(`${String(count).padStart(5)}  ${tag}\n`);
  return 0;
}

async function migrate(config: Config, args: string[]): Promise<number> {
  const quiet = args.includes('--quiet');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const database = openStoreDatabase(config);
  try {
    const { applied } = await migrateToLatest(database.db);
    if (!quiet || applied.length) {
      process.stderr.write(applied.length ? `Migrated ${database.description}: ${applied.join(', ')}\n` : `${database.description} is up to date.\n`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

function print(app: App, snapshot: Snapshot, link: Link, json: boolean, conversation?: Array<Record<string, unknown>>): void {
  const data = snapshotJson(snapshot, link, (sha256) => app.blobs.locator(sha256));
  if (json) {
    process.stdout.write(`${JSON.stringify(conversation ? { ...data, conversation } : data, null, 2)}\n`);
    return;
  }
  const lines = [
    `${data.title ?? '(untitled)'}`,
    `  id:        ${data.id}`,
    `  url:       ${data.url}`,
    data.finalUrl && data.finalUrl !== data.url ? `  final:     ${data.finalUrl}` : null,
    `  status:    ${data.status}${data.httpStatus ? ` (HTTP ${data.httpStatus})` : ''}${data.degraded ? ` — degraded: ${data.degradedReason}` : ''}`,
    data.error ? `  error:     ${data.error}` : null,
    data.tags.length ? `  tags:      ${data.tags.join(', ')}` : null,
    data.capturedAt ? `  captured:  ${data.capturedAt}` : null,
    ...Object.entries(data.artifacts)
      .filter(([, file]) => file)
      .map(([kind, file]) => `  ${`${kind}:`.padEnd(10)} ${file}`),
    ...(conversation ?? [])
      .filter((entry) => entry.messageText)
      .map((entry) => `  shared:    ${entry.userName ?? entry.userId} (${entry.platform}${entry.channelName ? ` #${entry.channelName}` : ''}, ${entry.sharedAt}): ${String(entry.messageText).replace(/\s+/g, ' ').slice(0, 200)}`),
  ];
  process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
}

/** Settings in ./.env apply unless the environment already sets them. */
function loadDotEnv(): void {
  const file = path.resolve('.env');
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

const code = await main(process.argv.slice(2)).catch((error: unknown) => {
  // An unknown option or a missing option value, as node:util parseArgs reports it, is a usage error.
  if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) return usageError((error as Error).message);
  process.stderr.write(`linksnap: ${asLinksnapError(error).message}\n`);
  return 1;
});
if (code >= 0) process.exitCode = code;
