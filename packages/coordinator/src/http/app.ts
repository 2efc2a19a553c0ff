// The coordinator's HTTP server: the shared Fastify kit plus the coordinator's routes.
import { createHttpServer, type HttpServer, type HttpServerOptions } from "@pithead/http";
import type { Ledger } from "@pithead/ledger";
import type { CoordinatorConfig } from "../config.ts";
import { errors } from "../errors.ts";
import type { CoordinatorService } from "../service/coordinator.ts";
import { installCoordinatorMetrics } from "./coordinator-metrics.ts";
import { registerAdminRoutes } from "./routes/admin.ts";
import { registerEventRoutes } from "./routes/events.ts";
import { registerJobRoutes } from "./routes/jobs.ts";
import { registerLedgerRoutes } from "./routes/ledger.ts";
import { registerMinerRoutes } from "./routes/miner.ts";
import { registerPublicRoutes } from "./routes/public.ts";
import { registerWalletRoutes } from "./routes/wallet.ts";

/** How long a health check waits for the database before calling it unavailable. */
const HEALTH_PING_MS = 2_000;

/** Resolves once the database answered a round trip; 503 DATABASE_UNAVAILABLE if it fails or hangs. */
async function databaseAnswers(reads: CoordinatorService["reads"]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), HEALTH_PING_MS);
  });
  try {
    const answered = await Promise.race([reads.ping().then(() => "answered" as const), late]);
    if (answered === "late") {
      throw errors.error("DATABASE_UNAVAILABLE", { waited_ms: HEALTH_PING_MS }, undefined, { "retry-after": "5" });
    }
  } finally {
    clearTimeout(timer);
  }
}

export const VERSION = "0.1.0";

export async function createCoordinatorApp(
  service: CoordinatorService,
  config: CoordinatorConfig,
  logger: HttpServerOptions["logger"],
  ledger: Ledger,
): Promise<HttpServer> {
  const app = await createHttpServer({
    name: "pithead-coordinator",
    version: VERSION,
    errors,
    // Most bodies are small; the proof and submit routes raise their own limit.
    bodyLimit: 64 * 1024,
    logger,
    docs: {
      title: "Pithead Coordinator API v1",
      description:
        "The job marketplace: miners lease jobs and prove them, clients submit and pay, every movement is on the ledger.",
    },
    metrics: { public: true },
    dataDir: config.dataDir,
    health: async () => {
      if (service.failure) throw errors.error("STORE_UNAVAILABLE");
      // PostgreSQL is another server: healthy only while it answers (a monitor hears of an outage).
      if (service.storeKind === "postgres") await databaseAnswers(service.reads);
      return { store: service.storeKind, waiting_miners: service.waiting };
    },
    auth: { resolve: (token) => service.keys.resolve(token) },
    rateLimit: config.rateLimitPerMinute > 0 ? { max: config.rateLimitPerMinute, timeWindowMs: 60_000 } : false,
    // Everything sent here is hashed or signed as canonical JSON: refuse lone surrogates up front.
    wellFormedStrings: true,
  });
  // A JSON API: other bodies are refused with 415 instead of being parsed as text.
  app.removeContentTypeParser(["text/plain"]);
  registerPublicRoutes(app, service, VERSION);
  registerMinerRoutes(app, service, config.maxOutputBytes);
  registerWalletRoutes(app, service);
  registerJobRoutes(
    app,
    service,
    { ttlS: config.defaultTtlS, maxRuntimeS: config.defaultMaxRuntimeS, maxAttempts: config.defaultMaxAttempts },
    config.maxReplicas,
  );
  registerEventRoutes(app, service);
  registerAdminRoutes(app, service);
  await registerLedgerRoutes(app, service, ledger);
  installCoordinatorMetrics(app.metrics, service);
  return app;
}
