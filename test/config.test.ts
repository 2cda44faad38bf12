import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has working embedded defaults: SQLite and blobs under ./data, loopback web page', () => {
    const config = loadConfig({}, '/srv/linksnap');
    expect(config.dbPath).toBe('/srv/linksnap/data/linksnap.db');
    expect(config.blobDir).toBe('/srv/linksnap/data/blobs');
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.dedupWindowMs).toBe(10 * 60_000);
    expect(config.onlyAllowed).toBe(false);
    expect(config.concurrency).toBeGreaterThanOrEqual(1);
    expect(config.discord.apiUrl).toBe('https://discord.com/api');
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
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

  it('refuses to open the web page beyond this machine without a token', () => {
    expect(() => loadConfig({ LINKSNAP_HOST: '0.0.0.0' })).toThrow(/LINKSNAP_API_TOKEN/);
    expect(loadConfig({ LINKSNAP_HOST: '0.0.0.0', LINKSNAP_API_TOKEN: 's3cret' }).host).toBe('0.0.0.0');
    expect(loadConfig({ LINKSNAP_HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ LINKSNAP_HOST: 'localhost' }).host).toBe('localhost');
  });
});
