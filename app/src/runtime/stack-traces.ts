// Stack traces that name the TypeScript sources, as `node --enable-source-maps` would, without its cost:
// that flag makes Node parse the bundle's source maps (4.8 MB) as each module loads, ~70 ms of every
// start-up (docs/telemetry-overhead.md). Here a bundle file's map is read the first time a stack trace
// passes through that file, with Node's own parser (module.SourceMap). Installed by the preload, before
// any other module of the service loads.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** What module.SourceMap needs of a map file (esbuild writes version 3). */
const MapFileSchema = z.object({
  version: z.literal(3),
  file: z.string().default(''),
  sourceRoot: z.string().default(''),
  sources: z.array(z.string()),
  sourcesContent: z.array(z.string()).default([]),
  names: z.array(z.string()),
  mappings: z.string(),
}) satisfies z.ZodType<SourceMapPayload, unknown>;

/** V8's call site also formats itself in its standard form ("fn (file:line:column)"); Node's types omit it. */
type V8CallSite = NodeJS.CallSite & { toString(): string };

/** Maps stack frames of the files under `bundleDir` (a file: URL ending in '/'); others stay as V8 wrote them. */
export function installSourceMappedStackTraces(bundleDir: string): void {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!file.startsWith(bundleDir)) return undefined;
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        const json: unknown = JSON.parse(readFileSync(`${fileURLToPath(file)}.map`, 'utf8'));
        map = new SourceMap(MapFileSchema.parse(json));
      } catch {
        map = undefined; // no readable map: the bundle's own positions are still a stack trace
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };

  const frameText = (frame: V8CallSite): string => {
    const text = frame.toString();
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (!file || line === null || column === null) return text;
    const map = mapOf(file);
    if (!map) return text;
    const origin = map.findOrigin(line, column);
    if (!('fileName' in origin)) return text;
    const source = fileURLToPath(new URL(origin.fileName, file));
    const at = `${file}:${line}:${column}`;
    const i = text.lastIndexOf(at);
    if (i < 0) return text;
    return `${text.slice(0, i)}${source}:${origin.lineNumber}:${origin.columnNumber}${text.slice(i + at.length)}`;
  };

  Error.prepareStackTrace = (error: Error, frames: V8CallSite[]) => {
    let head: string;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = 'Error';
    }
    return [head, ...frames.map((f) => `    at ${frameText(f)}`)].join('\n');
  };
}
