// Imported first by the preload, so every later module's errors are mapped. Only in the built bundle,
// where this code lies in dist/ beside its .map files: from the TypeScript sources (tests, tsx) it does
// nothing and leaves their own stack-trace handling alone.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installSourceMappedStackTraces } from './stack-traces.ts';

if (existsSync(`${fileURLToPath(import.meta.url)}.map`)) {
  installSourceMappedStackTraces(new URL('.', import.meta.url).href);
}
