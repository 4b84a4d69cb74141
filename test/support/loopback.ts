import type { AddressInfo } from 'node:net';
import type { HttpHandler } from '../../core/http/exchange.ts';
import { httpListener } from '../../runtime/node/http-listener.ts';

/**
 * Serves a handler (a Service's `handle`, core/service/create-service.ts) over real HTTP on an
 * ephemeral loopback port, through the Node server's listener: for tests that build the serving
 * stack in-process (in-memory storage, a fake backend) and talk to it as a client does.
 * close() drops open connections and stops listening.
 */
export interface Loopback {
  url: string;
  close(): Promise<void>;
}

export async function serveOnLoopback(handle: HttpHandler): Promise<Loopback> {
  const server = httpListener(handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
}
