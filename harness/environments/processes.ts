// The processes of this machine, read from /proc: how the compare learns what the Docker daemon and
// qemu were started with, whatever their configuration files say, and which processes make up an
// environment on the host (harness/footprint.ts).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Arguments joined by spaces, with a trailing space. */
  readonly cmdline: string;
}

/**
 * The fields of a /proc/PID/stat line after the command name, from the state (field 3): the name may
 * hold spaces and parentheses, so they start after its last ')'. [0] state, [1] ppid, [11] utime,
 * [12] stime.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every readable process with its parent and command line. */
export function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(readFileSync(`/proc/${entry}/stat`, 'utf8'))[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      out.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Every readable process's command line. */
export function commandLines(): string[] {
  return processes().map((p) => p.cmdline);
}

/** The qemu process that forwards host port `port` (scripts/vm/qemu.sh, Vagrant's libvirt provider). */
export function qemuForwarding(port: number, all: readonly ProcInfo[] = processes()): ProcInfo | undefined {
  return all.find((p) => /qemu-system/.test(p.cmdline) && p.cmdline.includes(`:${port}-:`));
}
