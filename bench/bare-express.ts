// The baseline of the overhead benchmark: bare Express 5 serving the same route and payload as the
// app, with the same Express settings, and nothing else (no telemetry, no logging, no metrics).
import express from 'express';
import { buildItems } from '../app/src/workloads/json-payload.ts';

const port = Number(process.env.PORT ?? 0);
const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/api/json', (req, res) => {
  const items = Number(req.query.items ?? 10);
  res.json({ count: items, items: buildItems(items) });
});
app.get('/ready', (_req, res) => void res.json({ status: 'ready' }));
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'ready', url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
