// grafana/docker-entrypoint.sh, run by a POSIX sh with Grafana's CLI and its /run.sh replaced by
// recorders (Grafana itself may not run on the project's machines): which admin password is in force
// after each start, and when it asks Grafana's own `grafana cli admin reset-admin-password` to change it.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../grafana/docker-entrypoint.sh');
const dir = mkdtempSync(join(tmpdir(), 'cb-grafana-entrypoint-'));
const data = join(dir, 'data');
const bin = join(dir, 'bin');
mkdirSync(data);
mkdirSync(bin);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The CLI records its arguments and the password it read from stdin; /run.sh records the password the
// server would start with (GF_SECURITY_ADMIN_PASSWORD, or "-" when unset).
writeFileSync(join(bin, 'grafana'), `#!/bin/sh\nread -r pw\necho "$* <$pw>" >> "${dir}/cli.log"\n`);
writeFileSync(
  join(bin, 'run.sh'),
  `#!/bin/sh\necho "\${GF_SECURITY_ADMIN_PASSWORD:--}" > "${dir}/server.env"\n`,
);
chmodSync(join(bin, 'grafana'), 0o755);
chmodSync(join(bin, 'run.sh'), 0o755);

function start(password?: string): { out: string; server: string; resets: string[] } {
  rmSync(join(dir, 'cli.log'), { force: true });
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH}`,
    GF_PATHS_DATA: data,
    GRAFANA_RUN: join(bin, 'run.sh'),
  };
  if (password !== undefined) env.GRAFANA_ADMIN_PASSWORD = password;
  const out = execFileSync('sh', [SCRIPT], { env, encoding: 'utf8' });
  const log = join(dir, 'cli.log');
  return {
    out,
    server: readFileSync(join(dir, 'server.env'), 'utf8').trim(),
    resets: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [],
  };
}

/** What Grafana does on its first start: create the database (and the admin user in it). */
const grafanaCreatedItsDatabase = () => writeFileSync(join(data, 'grafana.db'), 'sqlite');

describe('the Grafana entrypoint', () => {
  let generated = '';

  it('generates a password on the first start and hands it to Grafana, which creates the admin with it', () => {
    const first = start();
    generated = readFileSync(join(data, 'admin-password'), 'utf8').trim();
    expect(generated).toMatch(/^[0-9a-f]{36}$/);
    expect(first.server).toBe(generated);
    expect(first.resets).toEqual([]);
    grafanaCreatedItsDatabase();
  });

  it('keeps the generated password across restarts without resetting it', () => {
    const again = start();
    expect(again.server).toBe(generated);
    expect(again.resets).toEqual([]);
  });

  it('applies a newly given password with reset-admin-password, and drops the generated one', () => {
    const given = start('correct horse battery');
    expect(given.resets).toEqual([
      expect.stringMatching(/admin reset-admin-password --password-from-stdin <correct horse battery>$/),
    ]);
    expect(given.server).toBe('correct horse battery');
    expect(existsSync(join(data, 'admin-password'))).toBe(false);
    expect(readFileSync(join(data, 'admin-password.sha256'), 'utf8')).not.toContain('correct');
  });

  it('does not reset again while the given password stays the same', () => {
    expect(start('correct horse battery').resets).toEqual([]);
  });

  it('applies a changed password', () => {
    const changed = start('another one');
    expect(changed.resets).toEqual([expect.stringMatching(/<another one>$/)]);
    expect(changed.server).toBe('another one');
  });

  it('leaves the password in force alone when the variable is dropped', () => {
    const dropped = start();
    expect(dropped.resets).toEqual([]);
    expect(dropped.server).toBe('-');
    expect(dropped.out).toContain('Grafana admin password unchanged');
    expect(existsSync(join(data, 'admin-password'))).toBe(false);
  });
});
