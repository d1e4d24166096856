// The VM environments' own logic. `--vm vagrant` against a stand-in `vagrant` on PATH (Vagrant and its
// providers are not installed on the build machines): it records its calls and serves /health on the
// forwarded port while "up", so the orchestration is checked — create once, then halt and power on for
// every start, timed to the first 200. What the real Vagrant does is not tested here (docs/methodology.md).
// And the guest's boot timeline as systemd-analyze prints it.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBootPhases, vagrantEnvironment, vagrantState } from '../../harness/environments/vm.ts';
import { freePort } from '../../harness/ports.ts';

const TIMELINE =
  'systemd-analyze time; systemctl show -p ActiveEnterTimestampMonotonic --value cloud-benchmark.service';
const dir = mkdtempSync(join(tmpdir(), 'cb-fake-vagrant-'));
const originalPath = process.env.PATH;

afterAll(() => {
  process.env.PATH = originalPath;
});

describe('--vm vagrant, against a stand-in vagrant', () => {
  it('creates the VM once, then halts and powers it on for each start, timing power-on → first 200', async () => {
    const port = await freePort();
    const script = `#!/bin/sh
D=${dir}
echo "$*" >> $D/calls
case "$1" in
  --version) echo "Vagrant 2.4.9 (stand-in)" ;;
  status) echo "1700000000,default,state,$(cat $D/state 2>/dev/null || echo not_created)" ;;
  up) [ -f $D/pid ] && exit 0
      "${process.execPath}" -e "require('http').createServer((q,r)=>r.end('ok')).listen(${port},'127.0.0.1')" >/dev/null 2>&1 &
      echo $! > $D/pid; echo running > $D/state ;;
  halt) [ -f $D/pid ] && kill "$(cat $D/pid)" && rm -f $D/pid; echo poweroff > $D/state ;;
esac
`;
    writeFileSync(join(dir, 'vagrant'), script);
    chmodSync(join(dir, 'vagrant'), 0o755);
    process.env.PATH = `${dir}:${originalPath}`;
    const lines: string[] = [];
    const env = vagrantEnvironment(dir, `http://127.0.0.1:${port}`, undefined, (l) => lines.push(l));
    try {
      expect(await env.unavailable()).toBeUndefined();
      expect(lines[0]).toMatch(/the VM is not_created; vagrant up/);
      const first = await env.start();
      const second = await env.start();
      for (const s of [first, second]) expect(s.startupMs).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')).toEqual([
        '--version',
        'status --machine-readable',
        'up',
        'halt',
        'up --no-provision',
        `ssh -c ${TIMELINE}`,
        'halt',
        'up --no-provision',
        `ssh -c ${TIMELINE}`,
      ]);
      expect((await env.describe()).acceleration).toMatch(
        /^hardware virtualization \(the Vagrant provider\)/,
      );
    } finally {
      await import('node:child_process').then((cp) => cp.execFileSync(join(dir, 'vagrant'), ['halt']));
    }
  }, 60_000);

  it('says why when vagrant is not installed', async () => {
    process.env.PATH = '/nonexistent';
    const env = vagrantEnvironment(dir, 'http://127.0.0.1:9', undefined, () => undefined);
    expect(await env.unavailable()).toMatch(/^vagrant is not installed/);
    process.env.PATH = originalPath;
  });

  it('reads the machine state from vagrant status --machine-readable', () => {
    expect(
      vagrantState('1700000000,default,metadata,provider,virtualbox\n1700000000,default,state,poweroff\n'),
    ).toBe('poweroff');
    expect(vagrantState('garbage')).toBeUndefined();
  });
});

describe('the guest’s boot timeline', () => {
  it('reads systemd-analyze and the unit’s activation time (µs since boot)', () => {
    const out =
      'Startup finished in 1.512s (kernel) + 1min 2.250s (userspace) = 1min 3.762s\n' +
      'multi-user.target reached after 1min 1.900s in userspace.\n' +
      '58123456\n';
    expect(parseBootPhases(out)).toEqual({
      kernel: 1.512,
      'userspace (to default target)': 62.25,
      'app unit active (since kernel start)': 58.123456,
    });
    expect(parseBootPhases('Startup finished in 870ms (kernel) + 25.1s (userspace) = 25.97s\n0\n')).toEqual({
      kernel: 0.87,
      'userspace (to default target)': 25.1,
    });
    expect(parseBootPhases('Bootup is not yet finished.')).toEqual({});
  });
});
