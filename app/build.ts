// Builds the production artifact: app/dist/{preload,main}.mjs plus shared chunks, bundled by esbuild.
// Why bundle: the OpenTelemetry 3.x packages ship hundreds of small modules, and resolving them cost
// ~280 ms of a ~450 ms start-up here; one bundle loads in a fraction of that (README: Telemetry cost).
// Type-checking is separate (`npm run typecheck`): esbuild only strips types.
import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import { build } from 'esbuild';

const { minify } = new Command('build')
  .description('Bundles app/src into app/dist with esbuild.')
  // --no-minify keeps names readable in CPU profiles.
  .option('--no-minify', 'keep names readable (for CPU profiles)')
  .parse()
  .opts<{ minify: boolean }>();
const started = performance.now();
const outdir = new URL('./dist/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { preload: 'app/src/telemetry/preload.ts', main: 'app/src/main.ts' },
  outdir,
  bundle: true,
  splitting: true, // one shared copy of config, the OTel API and the telemetry slot for both entries
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  minify, // smaller source compiles faster at every start; the source map keeps stack traces readable
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
  banner: {
    js: "import { createRequire as __cbCreateRequire } from 'node:module'; const require = __cbCreateRequire(import.meta.url);",
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `built app/dist (${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB) in ${(performance.now() - started).toFixed(0)} ms`,
);
