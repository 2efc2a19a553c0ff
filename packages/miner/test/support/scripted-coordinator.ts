// A scripted Coordinator API v1 on a real socket, for the miner's fault handling: the test
// queues jobs and decides, per call, whether the coordinator answers, fails with 503, refuses
// a proof with 409, or is gone altogether. Proofs are remembered by Idempotency-Key as the
// real coordinator does (a repeat gets the first answer). The real coordinator is used by the
// end-to-end tests in test/miner-*.test.ts at the repository root.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> | undefined;
}

type Override = { status: number; body?: unknown; headers?: Record<string, string> } | "drop";

export interface ScriptedCoordinator extends AsyncDisposable {
  url: string;
  requests: RecordedRequest[];
  jobs: Record<string, unknown>[];
  /** Answers to give, in order, before the normal one, per path (e.g. "/v1/miner/proof"). */
  overrides: Map<string, Override[]>;
  /** While true every request gets 503 SERVICE_UNAVAILABLE. */
  down: boolean;
  /** Per `next` call, in order: answered only once its promise resolves (a claim the test holds). */
  nextGates: (Promise<void> | undefined)[];
  /** Proof answers by Idempotency-Key (what was credited). */
  acceptedProofs: Map<string, Record<string, unknown>>;
  /** Called as each request arrives, before it is answered (to see the miner's state at that moment). */
  onRequest: ((request: RecordedRequest) => void) | undefined;
  of(path: string): RecordedRequest[];
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

function send(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
}

const ROUTES = new Set([
  "/v1/miner/heartbeat",
  "/v1/miner/next",
  "/v1/miner/proof",
  "/v1/miner/fail",
  "/v1/wallet/balance",
]);

export async function startScriptedCoordinator(): Promise<ScriptedCoordinator> {
  const sockets = new Set<Socket>();
  const state = {
    requests: [] as RecordedRequest[],
    jobs: [] as Record<string, unknown>[],
    overrides: new Map<string, Override[]>(),
    down: false,
    nextGates: [] as (Promise<void> | undefined)[],
    acceptedProofs: new Map<string, Record<string, unknown>>(),
    onRequest: undefined as ((request: RecordedRequest) => void) | undefined,
  };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const body = await readJson(request);
    const recorded: RecordedRequest = {
      method: request.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body,
    };
    state.requests.push(recorded);
    state.onRequest?.(recorded);
    if (state.down)
      return send(response, 503, { error: { code: "SERVICE_UNAVAILABLE", message: "down for maintenance" } });
    const override = state.overrides.get(url.pathname)?.shift();
    if (override === "drop") {
      request.socket.destroy();
      return;
    }
    if (override) return send(response, override.status, override.body, override.headers);
    if (url.pathname === "/health") return send(response, 200, { status: "ok" });
    // As the real one: a path it does not serve is 404 whatever the key (e.g. COORD_URL with /v1).
    if (!ROUTES.has(url.pathname)) {
      return send(response, 404, {
        error: { code: "NOT_FOUND", message: "Not found", details: { url: url.pathname } },
      });
    }
    if (request.headers.authorization !== "Bearer miner-key-1") {
      return send(response, 401, { error: { code: "UNAUTHORIZED", message: "bad key" } });
    }
    switch (url.pathname) {
      case "/v1/miner/heartbeat":
        return send(response, 200, {
          ok: true,
          server_time: new Date().toISOString(),
          leases_renewed: 0,
          status: "online",
        });
      case "/v1/miner/next": {
        await state.nextGates.shift();
        const job = state.jobs.shift();
        return job ? send(response, 200, job) : send(response, 204);
      }
      case "/v1/miner/proof": {
        const key = String(request.headers["idempotency-key"] ?? "");
        const first = state.acceptedProofs.get(key);
        const answer = first ?? {
          ok: true,
          job_id: body?.id,
          accepted: true,
          state: "COMPLETED",
          credited: 99,
          receipt_id: "r1",
        };
        state.acceptedProofs.set(key, answer);
        return send(response, 200, answer);
      }
      case "/v1/miner/fail":
        return send(response, 200, { ok: true, job_id: body?.id, state: "QUEUED", requeued: true });
      case "/v1/wallet/balance":
        return send(response, 200, { address: "wallet_demo", balance: 0, pending: 0, updated_at: null });
      default:
        return send(response, 404, { error: { code: "NOT_FOUND", message: url.pathname } });
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    of: (path: string) => state.requests.filter((r) => r.path === path),
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
