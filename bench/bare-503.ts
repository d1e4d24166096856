// The floor of a refusal: a node:http server that answers every request but its probes with the app's
// own overload refusal (the same bytes: admission.ts's prebuilt answer), and does nothing else. What it
// costs per request is what Node's HTTP server costs to answer anything (bench/refusal.ts).
import { createServer } from 'node:http';
import { REFUSALS } from '../app/src/http/admission.ts';

// The answer the app gives when MAX_IN_FLIGHT is reached, which is how bench/refusal.ts makes it refuse.
const { body, headers: refusal } = REFUSALS.in_flight;
const ok = Buffer.from('{"status":"ok"}');

createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.url === '/health' || req.url === '/ready')
    res.writeHead(200, { 'content-type': 'application/json' }).end(ok);
  else res.writeHead(503, refusal).end(body);
}).listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
