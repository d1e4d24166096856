// Writes the dashboards (grafana/src/dashboards/*.ts) as provisioned JSON into grafana/dashboards/.
// `--check` writes nothing and exits 1 when a committed file differs from what the code builds
// (test/integration/dashboards.test.ts runs it, so `npm test` in .ci/run and the ci workflow does).
// Usage: node grafana/src/generate.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import * as prettier from 'prettier';
import { dashboards } from './index.ts';

const values = new Command('dashboards')
  .description('Writes the dashboards as provisioned JSON into grafana/dashboards/.')
  .option('--check', 'write nothing; exit 1 when a committed file differs from what the code builds', false)
  .parse()
  .opts<{ check: boolean }>();
const outDir = resolve(import.meta.dirname, '../dashboards');
const config = (await prettier.resolveConfig(outDir + '/x.json')) ?? {};

const stale: string[] = [];
for (const [file, builder] of Object.entries(dashboards)) {
  const path = resolve(outDir, file);
  const built = builder.build();
  // Stable panel ids (Grafana keys panel links and state by them).
  built.panels?.forEach((panel, i) => (panel.id ??= i + 1));
  const json = await prettier.format(JSON.stringify(built), { ...config, parser: 'json' });
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // a new dashboard
  }
  if (current === json) continue;
  if (values.check) stale.push(file);
  else {
    writeFileSync(path, json);
    console.log(`wrote grafana/dashboards/${file}`);
  }
}
if (stale.length) {
  console.error(`stale dashboards (run npm run dashboards): ${stale.join(', ')}`);
  process.exit(1);
}
if (values.check) console.log(`dashboards: ${Object.keys(dashboards).length} up to date`);
