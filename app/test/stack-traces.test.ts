// Stack traces of the built bundle name the TypeScript sources, read from the bundle's source maps on
// demand (app/src/runtime/stack-traces.ts): a minified esbuild bundle of a small source, as app/build.ts
// makes the app's, with the mapping installed for its directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const STACK_TRACES = resolve(import.meta.dirname, '../src/runtime/stack-traces.ts');

const SOURCE = `export function thrower(): never {
  const message = 'boom';
  throw new TypeError(message);
}
export function caller(): never {
  return thrower();
}
`;

/** A real Node process (vitest runs imports through its own module runner): prints the bundle's stack. */
function stackInNode(dir: string): string[] {
  const script = `
    import { installSourceMappedStackTraces } from ${JSON.stringify(pathToFileURL(STACK_TRACES).href)};
    installSourceMappedStackTraces(${JSON.stringify(pathToFileURL(join(dir, 'dist')).href + '/')});
    const { caller } = await import(${JSON.stringify(pathToFileURL(join(dir, 'dist/out.mjs')).href)});
    try { caller(); } catch (error) { process.stdout.write(error.stack); }
  `;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).split(
    '\n',
  );
}

describe('source-mapped stack traces, read on demand (a minified bundle, in a real Node process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-stack-'));

  beforeAll(async () => {
    writeFileSync(join(dir, 'source.ts'), SOURCE);
    await build({
      entryPoints: [join(dir, 'source.ts')],
      outfile: join(dir, 'dist/out.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      minify: true,
      sourcemap: true,
      logLevel: 'error',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the header and maps each frame of the bundle to its source line and column', () => {
    const lines = stackInNode(dir);
    expect(lines[0]).toBe('TypeError: boom');
    expect(lines[1]).toBe(`    at ${lines[1]!.split(' ')[5]} (${join(dir, 'source.ts')}:3:9)`);
    expect(lines[2]).toBe(`    at ${lines[2]!.split(' ')[5]} (${join(dir, 'source.ts')}:6:10)`);
    expect(lines.join('\n')).not.toContain('out.mjs');
    // Frames outside the bundle (the -e script's own) stay as V8 wrote them.
    expect(lines[3]).toMatch(/^ {4}at file:\/\/.*\[eval1\]:\d+:\d+$/);
  });

  it('falls back to the bundle position when the map is unreadable', () => {
    writeFileSync(join(dir, 'dist/out.mjs.map'), 'not json');
    const lines = stackInNode(dir);
    expect(lines[0]).toBe('TypeError: boom');
    expect(lines[1]).toMatch(/out\.mjs:1:\d+\)$/);
  });
});
