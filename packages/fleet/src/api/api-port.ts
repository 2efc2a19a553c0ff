// The API's port, held from before anything else in the process binds. The simulated miners bind
// kernel-chosen ports from the ephemeral range, which can include PORT: a start that bound them
// first now and then lost its own port to one of them (`listen EADDRINUSE`, about 1 start in 7
// with 2,000 miners). The port is released only just before the API listens on it, after the
// simulated fleet has bound everything it needs.

import { createServer, type Server } from "node:net";
import { listenPortFailure } from "@pithead/http";

/** The error a failed listen on the API's port becomes (ListenPortError), anything else as it is. */
export function apiPortFailure(error: unknown, host: string, port: number): unknown {
  return listenPortFailure(error, host, port, { command: "pithead fleet start" });
}

export interface HeldPort {
  /** The port held (the kernel's choice when 0 was asked for). */
  readonly port: number;
  /** Lets it go, for the API to listen on it at once. */
  release(): Promise<void>;
}

/** Holds `host:port` (0: any free port) until released; a connection meanwhile is refused. */
export function holdApiPort(host: string, port: number): Promise<HeldPort> {
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(apiPortFailure(error, host, port)));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const held = typeof address === "object" && address ? address.port : port;
      resolve({
        port: held,
        release: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
