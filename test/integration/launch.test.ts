// The service's launch, defined once in app/launch.ts: the image (CMD, NODE_OPTIONS and GLIBC_TUNABLES),
// `npm start` and the VM's systemd unit (vagrant/provision.sh) cannot import it, so they are held to it here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_GLIBC_TUNABLES, APP_NODE_OPTIONS, launchArgs, REPO_LAUNCH_ARGS } from '../../app/launch.ts';

const repo = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(repo, path), 'utf8');

describe('the launch command, one definition', () => {
  it('app/Dockerfile: CMD, the code-cache start, NODE_OPTIONS and GLIBC_TUNABLES', () => {
    const dockerfile = read('app/Dockerfile');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...launchArgs('.')]);
    // The build's one start that fills the code cache runs the same command (the cache is keyed by flags).
    const warm = /^RUN (\["env", "EXIT_WHEN_READY=true".*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(warm ?? '[]')).toEqual([
      'env',
      'EXIT_WHEN_READY=true',
      'LOG_LEVEL=warn',
      'node',
      ...launchArgs('.'),
    ]);
    expect(dockerfile).toMatch(new RegExp(`^\\s+NODE_OPTIONS=${APP_NODE_OPTIONS} \\\\$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^\\s+GLIBC_TUNABLES=${APP_GLIBC_TUNABLES} \\\\$`, 'm'));
  });

  it('package.json: npm start', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(`NODE_OPTIONS=\${NODE_OPTIONS:-${APP_NODE_OPTIONS}}`);
    expect(start).toContain(`GLIBC_TUNABLES=\${GLIBC_TUNABLES:-${APP_GLIBC_TUNABLES}}`);
    expect(start.endsWith(`node ${REPO_LAUNCH_ARGS.join(' ')}`)).toBe(true);
  });

  it('vagrant/provision.sh: the unit’s ExecStart and environment', () => {
    const provision = read('vagrant/provision.sh');
    expect(provision).toContain(`ExecStart=/usr/local/bin/node ${launchArgs('$APP_HOME').join(' ')}\n`);
    expect(provision).toContain(`\nNODE_OPTIONS=${APP_NODE_OPTIONS}\n`);
    expect(provision).toContain(`\nGLIBC_TUNABLES=${APP_GLIBC_TUNABLES}\n`);
  });
});
