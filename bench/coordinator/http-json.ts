// A lean keep-alive HTTP/1.1 JSON client for load generation, so the load generator (which shares
// the machine with the server it measures) spends little CPU per request: raw TCP connections
// reused from a pool, one request in flight on each, a request written in one piece, and replies
// read by their Content-Length (the coordinator always sends one). Real HTTP over real sockets.
import net from "node:net";

export interface JsonReply<T> {
  status: number;
  body: T;
}

interface InFlight {
  resolve(reply: JsonReply<unknown>): void;
  reject(error: Error): void;
}

const HEADER_END = Buffer.from("\r\n\r\n");

class Connection {
  readonly socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #current: InFlight | undefined;
  #onIdle: (connection: Connection) => void;
  #onGone: (connection: Connection) => void;

  constructor(base: URL, onIdle: (c: Connection) => void, onGone: (c: Connection) => void) {
    this.#onIdle = onIdle;
    this.#onGone = onGone;
    this.socket = net.connect(Number(base.port), base.hostname);
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => this.#read(chunk));
    const gone = (error?: Error) => {
      this.#current?.reject(error ?? new Error("connection closed"));
      this.#current = undefined;
      this.#onGone(this);
    };
    this.socket.on("error", gone);
    this.socket.on("close", () => gone());
  }

  send(request: string, inFlight: InFlight): void {
    this.#current = inFlight;
    this.socket.write(request);
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.#buffer.toString("latin1", 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const size = length ? Number(length[1]) : 0;
    if (this.#buffer.length < end + 4 + size) return;
    const text = this.#buffer.toString("utf8", end + 4, end + 4 + size);
    this.#buffer = this.#buffer.subarray(end + 4 + size);
    const current = this.#current;
    this.#current = undefined;
    this.#onIdle(this);
    const status = Number(head.slice(9, 12));
    try {
      current?.resolve({ status, body: text ? JSON.parse(text) : null });
    } catch (error) {
      current?.reject(error as Error);
    }
  }
}

class Pool {
  readonly #base: URL;
  readonly #max: number;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  readonly #waiting: ((connection: Connection) => void)[] = [];

  constructor(base: URL, max: number) {
    this.#base = base;
    this.#max = max;
  }

  request(request: string): Promise<JsonReply<unknown>> {
    return new Promise((resolve, reject) => {
      const send = (connection: Connection) => connection.send(request, { resolve, reject });
      const idle = this.#idle.pop();
      if (idle) send(idle);
      else if (this.#all.size < this.#max) {
        const connection = new Connection(
          this.#base,
          (c) => this.#release(c),
          (c) => {
            this.#all.delete(c);
            const index = this.#idle.indexOf(c);
            if (index >= 0) this.#idle.splice(index, 1);
          },
        );
        this.#all.add(connection);
        send(connection);
      } else this.#waiting.push(send);
    });
  }

  #release(connection: Connection): void {
    const next = this.#waiting.shift();
    if (next) queueMicrotask(() => next(connection));
    else this.#idle.push(connection);
  }

  close(): void {
    for (const connection of this.#all) connection.socket.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }
}

const pools = new Map<string, Pool>();

export function requestJson<T>(
  base: URL,
  method: string,
  path: string,
  options: { key?: string; body?: unknown } = {},
): Promise<JsonReply<T>> {
  let pool = pools.get(base.host);
  if (!pool) {
    pool = new Pool(base, 512);
    pools.set(base.host, pool);
  }
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  let request = `${method} ${path} HTTP/1.1\r\nhost: ${base.host}\r\n`;
  if (options.key) request += `authorization: Bearer ${options.key}\r\n`;
  request +=
    payload === undefined
      ? "\r\n"
      : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
  return pool.request(request) as Promise<JsonReply<T>>;
}

export function closeAgent(): void {
  for (const pool of pools.values()) pool.close();
  pools.clear();
}
