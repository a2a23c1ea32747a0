import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver answers one request: a status (with headers), or never (a hung server). */
export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

export interface ReceivedRequest {
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

/**
 * A real HTTP server on loopback that records webhook posts and answers from
 * a script of replies (then 200 once the script runs out).
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived in all. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(replies: Reply[] = []): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hung: ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown, headers: req.headers });
      for (const waiter of waiters.filter(w => requests.length >= w.count)) waiter.resolve();
      const reply = replies.shift() ?? { status: 200 };
      if (reply === 'hang') {
        hung.push(res);
        return;
      }
      res.writeHead(reply.status, reply.headers).end('ok');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    received(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise(resolve => waiters.push({ count, resolve }));
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => { resolve(); }));
    },
  };
}
