// The command lines of this machine's processes, read from /proc: how the compare learns what the
// Docker daemon and qemu were started with, whatever their configuration files say.
import { readdirSync, readFileSync } from 'node:fs';

/** Every readable process's command line, arguments joined by spaces (with a trailing space). */
export function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // the process ended meanwhile
    }
  }
  return lines;
}
