// Accepts OTLP/HTTP posts and discards them, so that the "full telemetry" variant really serialises and
// sends every span and log record. Used only when no OpenTelemetry Collector binary is available; the
// benchmark says which receiver it used.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 4318);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
