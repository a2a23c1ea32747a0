// The gateway bench's baseline: a minimal OTLP/HTTP receiver that fully decodes each protobuf request with
// protobufjs, answers 200 and forwards the received bytes to FORWARD_URL (accept, then forward, as the gateway does;
// a connection error is retried, as the gateway's forwarder retries).
// Run as a child process: node bench/lib/pass-through.mjs <forward-url>; prints "listening on <url>" on stderr.
import http from 'node:http';
import { decodeTraceRequest } from './otlp-trace-proto.mjs';

const forward = new URL(process.argv[2] ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', chunk => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    try {
      decodeTraceRequest(body);
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    send(body, 3);
  });
});

/** Forwards `body`; a connection error (a keep-alive socket the sink closed) is retried, as the gateway's forwarder retries. */
function send(body, attempts) {
  const out = http.request(forward, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, answer => answer.resume());
  out.on('error', error => {
    if (attempts > 1) send(body, attempts - 1);
    else console.error(`pass-through: forward failed: ${error.message}`);
  });
  out.end(body);
}
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.error(`pass-through: listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
