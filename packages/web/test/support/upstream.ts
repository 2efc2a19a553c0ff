// A real HTTP service to proxy to: it echoes what it received, streams server-sent events on
// demand, and reports when a client connection closes, so the tests see exactly what crossed.

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoUpstream {
  url: string;
  received: Received[];
  /** Open event streams, to push events from the test. */
  streams: ServerResponse[];
  /** Resolves when the next stream's connection closes. */
  streamClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: Received[] = [];
  const streams: ServerResponse[] = [];
  const closeWaiters: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      if (request.url?.startsWith("/events")) {
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        response.write("event: ready\ndata: {}\n\n");
        streams.push(response);
        response.on("close", () => closeWaiters.shift()?.());
        return;
      }
      const answer = JSON.stringify({ method: request.method, url: request.url, body });
      response.writeHead(request.url?.startsWith("/teapot") ? 418 : 200, {
        "content-type": "application/json",
        "set-cookie": "tracking=1",
        "x-upstream": "echo",
        connection: "close",
      });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    streams,
    streamClosed: () => new Promise((resolve) => closeWaiters.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const stream of streams) stream.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
