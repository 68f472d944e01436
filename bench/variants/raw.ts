/**
 * The limit: a bare `node:http` server that answers each benchmark request with the exact bytes the
 * production server returned for it (captured by `bench/compare.ts` during verification, read from the
 * file named by BENCH_RAW_RESPONSES). It reads the body and looks it up; no GraphQL work at all, so its
 * throughput is what this machine's loopback, Node's HTTP stack and the load generator allow.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { announceListening, exitOnSignal, listenConfig, readBody } from '../lib.js';

export interface CapturedResponse {
  /** The request body, byte for byte as the benchmark sends it. */
  request: string;
  status: number;
  contentType: string;
  body: string;
}

const file = process.env.BENCH_RAW_RESPONSES;
if (!file) throw new Error('BENCH_RAW_RESPONSES must name the file of captured responses');
const captured = JSON.parse(readFileSync(file, 'utf8')) as CapturedResponse[];
const byRequest = new Map(
  captured.map((c) => [c.request, { status: c.status, headers: { 'content-type': c.contentType, 'content-length': String(Buffer.byteLength(c.body)) }, body: Buffer.from(c.body) }]),
);

const server = createServer((request, response) => {
  readBody(request).then(
    (body) => {
      const hit = byRequest.get(body);
      if (!hit) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not a benchmark request');
        return;
      }
      response.writeHead(hit.status, hit.headers).end(hit.body);
    },
    () => response.destroy(),
  );
});

const { port, host } = listenConfig();
server.listen(port, host, () => {
  const address = server.address();
  announceListening('raw', typeof address === 'object' && address ? address.port : port);
});
exitOnSignal(() => new Promise((resolve) => server.close(resolve)));
