// GET /v1/events: a server-sent stream of job state changes visible to the caller (a client its
// own jobs, an admin every job). Events of other coordinator processes on the same PostgreSQL
// database arrive here too (LISTEN/NOTIFY). The stream counts against the key's cap on open
// streams and ends when the key is revoked (service/open-streams.ts).
import type { HttpServer } from "@pithead/http";
import { errorResponses } from "../../schemas/index.ts";
import type { CoordinatorService } from "../../service/coordinator.ts";
import { openEventStream } from "../sse.ts";
import { principalOf } from "./miner.ts";

export function registerEventRoutes(app: HttpServer, service: CoordinatorService): void {
  app.get(
    "/v1/events",
    {
      config: { roles: ["client", "admin"] },
      schema: {
        tags: ["jobs"],
        summary: "Server-sent events of job state changes you may see",
        response: errorResponses(401, 403, 429),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const stream = openEventStream(request, reply, app.closing, service.streams.hold(principal.keyId));
      const mine =
        principal.role === "admin"
          ? () => true
          : (event: { client_key_id: string }) => event.client_key_id === principal.keyId;
      const unsubscribe = service.events.subscribe(mine, (event) => stream.send("state", event));
      stream.onClose(unsubscribe);
      stream.send("ready", { server_time: new Date(service.clock()).toISOString() });
    },
  );
}
