// Log records as the OpenTelemetry Collector's debug exporter prints them (verbosity: detailed), read
// back from the container's log: the Loki stand-in of test/e2e/loki-wire.test.ts writes them there.
import { z } from 'zod';

/** One log record as the debug exporter prints it (verbosity: detailed), with its resource's attributes. */
export const Received = z.object({
  resource: z.record(z.string(), z.string()),
  severityText: z.string(),
  body: z.string(),
  attributes: z.record(z.string(), z.string()),
  traceId: z.string(),
  spanId: z.string(),
});
export type Received = z.infer<typeof Received>;

/** `     -> key: Type(value)` lines, as the debug exporter prints attributes. */
function attributeLines(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/^\s+-> ([^:]+): \w+\((.*)\)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/**
 * The records of a debug exporter's output. Each export starts with a log line ending in
 * `ResourceLog #0`; the resource's attributes and each `LogRecord #n` follow, one field per line.
 */
export function parseDebugLogs(log: string): Received[] {
  return log
    .split(/^(?:.*\t)?ResourceLog #\d+$/m)
    .slice(1)
    .flatMap((resourceBlock) => {
      const [head = '', ...records] = resourceBlock.split(/^LogRecord #\d+$/m);
      const resource = attributeLines(head.split(/^ScopeLogs #/m)[0] ?? '');
      return records.map((r) => {
        const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(r)?.[1] ?? '';
        const attrs = r.split(/^Attributes:$/m)[1]?.split(/^Trace ID:/m)[0] ?? '';
        return Received.parse({
          resource,
          severityText: field('SeverityText'),
          body: /^Body: Str\((.*)\)$/m.exec(r)?.[1] ?? '',
          attributes: attributeLines(attrs),
          traceId: field('Trace ID'),
          spanId: field('Span ID'),
        });
      });
    });
}
