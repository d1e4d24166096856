// docs/upstream-evidence.md must cover every version versions.env pins: a pin changed without its
// evidence reviewed fails here. (The evidence itself is read upstream by people; this holds the link.)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageTag, versions } from '../../harness/project-env.ts';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/upstream-evidence.md'), 'utf8');

/** The "Pinned versions" table: key → pinned value. */
function pinnedTable(): Map<string, string> {
  const section = doc.split('\n## Pinned versions\n')[1]?.split('\n## ')[0] ?? '';
  const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` +\| `([^`]+)` +\|/gm)];
  return new Map(rows.map((m) => [m[1]!, m[2]!]));
}

const PINS = Object.entries(versions).filter(([key]) =>
  /(_IMAGE|_VERSION|^DEBIAN_SUITE|^VAGRANT_BOX)$/.test(key),
);

describe('docs/upstream-evidence.md', () => {
  it('has a pinned-versions table', () => {
    expect(pinnedTable().size).toBeGreaterThan(10);
  });

  it.each(PINS)('covers %s=%s at exactly that version', (key, value) => {
    // An empty pin (take the newest) is written `(unpinned)`.
    expect(pinnedTable().get(key), `${key} in docs/upstream-evidence.md`).toBe(
      value === '' ? '(unpinned)' : value,
    );
  });

  it('names no key that versions.env no longer has', () => {
    const stale = [...pinnedTable().keys()].filter((k) => !(k in versions));
    expect(stale).toEqual([]);
  });

  it.each(['Loki v', 'k6 v', 'cAdvisor v', 'Grafana '])('has a section for %s at the pinned tag', (name) => {
    const tag = {
      'Loki v': imageTag(versions.LOKI_IMAGE!),
      'k6 v': imageTag(versions.K6_IMAGE!),
      'cAdvisor v': imageTag(versions.CADVISOR_IMAGE!).replace(/^v/, ''),
      'Grafana ': imageTag(versions.GRAFANA_IMAGE!),
    }[name];
    expect(doc).toContain(`\n## ${name}${tag}`);
  });
});
