// compose/compose.yaml as Docker Compose resolves it for a user: every profile, only the variables given.
import { execFileSync } from 'node:child_process';
// From project-env, not the stack helper: resolving the config needs no ports and no stack.
import { COMPOSE_DIR } from '../../harness/project-env.ts';

export interface ComposeService {
  image: string;
  profiles?: string[];
  restart?: string;
  logging?: { driver: string; options?: Record<string, string> };
  mem_limit?: string;
  cpus?: number;
  pids_limit?: number;
  read_only?: boolean;
  privileged?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  healthcheck?: { test: string[]; disable?: boolean };
  ports?: { host_ip?: string; published: string; target: number }[];
  environment?: Record<string, string | null>;
  entrypoint?: string[];
  command?: string[];
  volumes?: { type: string; source: string; target: string }[];
  depends_on?: Record<string, { condition: string }>;
}

/** compose.yaml as `docker compose config` resolves it, with only the variables given (a user's plain run). */
export function resolvedCompose(env: Record<string, string> = {}): Record<string, ComposeService> {
  // Only PATH and HOME from this process: the test's own image variables must not leak in.
  const out = execFileSync(
    'docker',
    ['compose', '--profile', 'k6', '--profile', 'host', 'config', '--format', 'json'],
    {
      cwd: COMPOSE_DIR,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
    },
  );
  return (JSON.parse(out) as { services: Record<string, ComposeService> }).services;
}
