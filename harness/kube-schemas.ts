// kubeconform schemas from a cluster's own /openapi/v2: one JSON schema per kind, written where
// kubeconform's `-schema-location '<dir>/{{ .Group }}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json'`
// looks (the core group's directory is its version, "v1", as kubeconform names it). Strict: every object
// that lists its properties refuses others, so a misspelt field fails instead of being dropped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const OpenApiV2 = z.object({ definitions: z.record(z.string(), z.record(z.string(), z.unknown())) });
const Gvk = z.array(z.object({ group: z.string(), version: z.string(), kind: z.string() }));

/** kubeconform's template for the directory `writeKubeconformSchemas` fills. */
export const schemaLocation = (dir: string) =>
  `${dir}/{{ .Group }}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json`;

type Json = unknown;

/** OpenAPI v2 formats JSON Schema does not know, as types it does; objects closed. */
function fix(node: Json): Json {
  if (Array.isArray(node)) return node.map(fix);
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, Json>;
  if (o.format === 'int-or-string') return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  if (o.format === 'quantity' || (typeof o.$ref === 'string' && o.$ref.endsWith('resource.Quantity')))
    return { oneOf: [{ type: 'string' }, { type: 'number' }] };
  const out = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fix(v)]));
  if (out.type === 'object' && 'properties' in out && !('additionalProperties' in out))
    out.additionalProperties = false;
  return out;
}

/** The definitions a schema refers to, transitively. */
function refs(node: Json, defs: Record<string, Json>, acc: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const v of node) refs(v, defs, acc);
  else if (node !== null && typeof node === 'object') {
    const ref = (node as Record<string, Json>).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
      const name = ref.slice('#/definitions/'.length);
      if (!acc.has(name) && name in defs) {
        acc.add(name);
        refs(defs[name], defs, acc);
      }
    }
    for (const v of Object.values(node)) refs(v, defs, acc);
  }
  return acc;
}

/** One definition of an OpenAPI v2 document as a standalone, strict schema (its references inlined as
 * definitions): for a CRD whose API server is not at hand, from the project's own published document. */
export function definitionSchema(openapi: unknown, name: string): Record<string, unknown> {
  const { definitions } = OpenApiV2.parse(openapi);
  const definition = definitions[name];
  if (!definition) throw new Error(`no definition ${name} in the document`);
  return {
    ...(fix(definition) as Record<string, Json>),
    definitions: Object.fromEntries(
      [...refs(definition, definitions, new Set())].map((k) => [k, fix(definitions[k])]),
    ),
  };
}

/** Writes one schema per kind the document defines; returns how many. */
export function writeKubeconformSchemas(openapi: unknown, dir: string): number {
  const { definitions } = OpenApiV2.parse(openapi);
  let n = 0;
  for (const definition of Object.values(definitions)) {
    const gvks = Gvk.safeParse(definition['x-kubernetes-group-version-kind']);
    if (!gvks.success) continue;
    const schema = {
      ...(fix(definition) as Record<string, Json>),
      definitions: Object.fromEntries(
        [...refs(definition, definitions, new Set())].map((k) => [k, fix(definitions[k])]),
      ),
    };
    for (const { group, version, kind } of gvks.data) {
      const path = join(dir, group || version, version);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, `${kind.toLowerCase()}.json`), JSON.stringify(schema));
      n++;
    }
  }
  return n;
}
