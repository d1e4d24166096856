import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../src/config/config.ts';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.logLevel).toBe('info');
    expect(c.environmentOverride).toBeUndefined();
    expect(c.telemetry.enabled).toBe(true);
    expect(c.telemetry.protocol).toBe('http/protobuf');
    expect(c.telemetry.sampler).toBe('parentbased_always_on');
    expect(c.workloads.jsonMaxItems).toBe(10_000);
  });

  it('reads and coerces values', () => {
    const c = loadConfig({
      PORT: '3000',
      OTEL_SDK_DISABLED: 'true',
      APP_ENVIRONMENT: 'vm',
      ECHO_MAX_BYTES: '1024',
    });
    expect(c.port).toBe(3000);
    expect(c.telemetry.enabled).toBe(false);
    expect(c.environmentOverride).toBe('vm');
    expect(c.workloads.echoMaxBytes).toBe(1024);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: ' ' }).port).toBe(8080);
  });

  it('names every bad variable, its value and the rule', () => {
    const problems = problemsOf({
      PORT: '70000',
      LOG_LEVEL: 'loud',
      APP_ENVIRONMENT: 'cloud',
      OTEL_SDK_DISABLED: 'maybe',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT="70000".*65535/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL="loud".*"info"/);
    expect(problems.join('\n')).toMatch(/APP_ENVIRONMENT="cloud".*"native"\|"container"\|"vm"/);
    expect(problems.join('\n')).toMatch(/OTEL_SDK_DISABLED="maybe"/);
  });

  it('bounds the listening sockets (HTTP_ACCEPT_SOCKETS, 1–256, 32 by default)', () => {
    expect(loadConfig({}).http.acceptSockets).toBe(32);
    expect(problemsOf({ HTTP_ACCEPT_SOCKETS: '0' })[0]).toMatch(/HTTP_ACCEPT_SOCKETS="0".*1/);
    expect(problemsOf({ HTTP_ACCEPT_SOCKETS: '257' })[0]).toMatch(/HTTP_ACCEPT_SOCKETS="257".*256/);
  });

  it('rejects non-integers and gRPC', () => {
    expect(problemsOf({ SHUTDOWN_DRAIN_MS: '1.5' })[0]).toMatch(/SHUTDOWN_DRAIN_MS.*integer/);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })[0]).toMatch(/gRPC is not built in/);
  });

  it('rejects a batch larger than its queue', () => {
    expect(problemsOf({ OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' })[0]).toMatch(
      /must not exceed/,
    );
  });
});

describe('configuration reference (docs/configuration.md)', () => {
  it('lists every variable the service reads', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    const missing = CONFIG_VARIABLES.filter(
      (name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(readme),
    );
    expect(missing).toEqual([]);
  });
});
