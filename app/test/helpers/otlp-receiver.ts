// The receiving end of OTLP/HTTP with JSON encoding, for tests of the app's exporters as a separate
// process: it accepts what the OpenTelemetry Collector's OTLP receiver would and keeps it for asserts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly resource: Record<string, unknown>;
}

export interface ReceivedLog {
  readonly body: unknown;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly severityText?: string;
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
}

type KeyValue = { key: string; value: Record<string, unknown> };
const flatten = (kvs: KeyValue[] | undefined) =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, Object.values(kv.value)[0]]));

export interface OtlpReceiver {
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  readonly logs: ReceivedLog[];
  readonly requests: { path: string; contentType: string | undefined }[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  const requests: OtlpReceiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: {
          resource?: { attributes?: KeyValue[] };
          scopeSpans?: { spans?: (ReceivedSpan & { attributes?: KeyValue[] })[] }[];
        }[];
        resourceLogs?: {
          resource?: { attributes?: KeyValue[] };
          scopeLogs?: {
            logRecords?: {
              body?: Record<string, unknown>;
              traceId?: string;
              spanId?: string;
              severityText?: string;
              attributes?: KeyValue[];
            }[];
          }[];
        }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const resource = flatten(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, resource });
      }
      for (const rl of body.resourceLogs ?? []) {
        const resource = flatten(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? [])
          for (const r of sl.logRecords ?? [])
            logs.push({
              body: r.body ? Object.values(r.body)[0] : undefined,
              ...(r.traceId ? { traceId: r.traceId } : {}),
              ...(r.spanId ? { spanId: r.spanId } : {}),
              ...(r.severityText ? { severityText: r.severityText } : {}),
              attributes: flatten(r.attributes),
              resource,
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    logs,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
