// The fleet controller's REST API on the shared HTTP kit: every operator's routes under
// /operators/:operatorId, single-operator aliases at the root, /health listing the operators,
// OpenAPI at /docs, Prometheus at /metrics, and signed-request auth on everything else.

import { createHttpServer, HttpError, type HttpServer, type HttpServerOptions } from "@pithead/http";
import { type Ledger, LedgerHttpError, LedgerLockedError, ledgerRoutes, RecordArchivedError } from "@pithead/ledger";
import type { FastifyInstance } from "fastify";
import type { Clock } from "../clock.ts";
import { installFleetAuth } from "./auth-hook.ts";
import { fleetErrors } from "./errors.ts";
import { installFleetMetrics, scopeMetrics } from "./fleet-metrics.ts";
import { type Controllers, checkOperatorFirst, controllerFor, type Quarantined } from "./operator-scope.ts";
import { keepRawJsonBody } from "./raw-body.ts";
import { registerLedgerRoutes } from "./routes/ledger.ts";
import { registerLoopRoutes } from "./routes/loop.ts";
import { registerMinerRoutes } from "./routes/miners.ts";
import { refuseUnknownFields } from "./unknown-fields.ts";

export const fleetApiVersion = "0.1.0";

export interface FleetServerOptions {
  controllers: Controllers;
  ledger: Ledger;
  clock: Clock;
  auth: { disabled: boolean; legacyBearer: boolean; maxSkewMs: number; metricsToken?: string | null };
  logger?: HttpServerOptions["logger"];
  /** Extra /health fields (whether the fleet is simulated); public, so nothing about an operator. */
  health?: () => Record<string, unknown>;
  rateLimitPerMinute?: number;
  /** The data directory: /health and /metrics report its free disk space. */
  dataDir?: string;
  /** Operators set apart at start (their partition cannot be read back): 503 on their routes. */
  quarantined?: Quarantined;
}

function operatorScoped(controllers: Controllers, ledger: Ledger, quarantined: Quarantined) {
  return async (scope: FastifyInstance) => {
    // The ledger plugin's errors carry their own codes: keep them in the envelope. A partition
    // another process writes is that process's (a second controller on the same data): this one
    // cannot record, so nothing it would do can happen — a 503 that says why, not a 500.
    scope.setErrorHandler((error) => {
      if (error instanceof LedgerHttpError) throw new HttpError(error.code, error.statusCode, error.message);
      if (error instanceof LedgerLockedError)
        throw fleetErrors.error("LEDGER_IN_USE", { partition: error.partition }, error.message);
      // A record moved to the archive is gone from here for good: 410, saying when and where.
      if (error instanceof RecordArchivedError) {
        throw fleetErrors.error(
          "RECORD_ARCHIVED",
          { seq: error.seq, archivedFrom: error.from, archivedTo: error.to, archivedAt: error.archivedAt },
          error.message,
        );
      }
      throw error;
    });
    // Authorization (the root's auth hook, then the operator) before any check of the request's shape.
    checkOperatorFirst(scope, controllers, quarantined);
    refuseUnknownFields(scope);
    registerMinerRoutes(scope, controllers);
    registerLoopRoutes(scope, controllers);
    registerLedgerRoutes(scope, controllers, ledger);
    await scope.register(ledgerRoutes, {
      ledger,
      partitions: (request) => [controllerFor(request, controllers).partition],
      hostErrors: true,
    });
  };
}

export async function createFleetServer(options: FleetServerOptions): Promise<HttpServer> {
  const { controllers, ledger } = options;
  const quarantined: Quarantined = options.quarantined ?? new Map();
  const app = await createHttpServer({
    name: "pithead-fleet",
    version: fleetApiVersion,
    errors: fleetErrors,
    bodyLimit: 64 * 1024,
    logger: options.logger,
    dataDir: options.dataDir,
    docs: {
      title: "Pithead fleet controller API",
      description:
        "ASIC fleet control: telemetry, profit, governed decisions and their evidence. Every route but /health and /docs needs a signed request: see docs/auth.md (X-Pithead-Operator, X-Pithead-Timestamp, X-Pithead-Nonce, X-Pithead-Content-SHA256, X-Pithead-Signature).",
      securitySchemes: {
        pitheadSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Pithead-Signature",
          description: "HMAC-SHA256 signed request, see docs/auth.md",
        },
      },
    },
    metrics: { public: false },
    rateLimit: options.rateLimitPerMinute ? { max: options.rateLimitPerMinute, timeWindowMs: 60_000 } : false,
    // What operators send is recorded in the hash-chained ledger: refuse lone surrogates up front.
    wellFormedStrings: true,
    health: () => ({
      auth: options.auth.disabled ? "disabled" : options.auth.legacyBearer ? "hmac-v1+legacy-bearer" : "hmac-v1",
      // The operator list (specs/fleet.md) the dashboard's selector shows: id and label only. What
      // an operator's fleet is doing (mode, miners, cycles) is for its own signed requests.
      operators: [
        ...[...controllers.values()].map((controller) => ({
          id: controller.operator.id,
          label: controller.operator.label,
        })),
        ...[...quarantined.values()].map(({ operator }) => ({ id: operator.id, label: operator.label })),
      ],
      ...options.health?.(),
      // Public: which operators are set apart, never what their ledger holds or where it is (that
      // goes to the operator's own signed requests and to the start log).
      ...(quarantined.size > 0
        ? {
            status: "degraded",
            quarantined: [...quarantined.values()].map(({ operator }) => ({
              id: operator.id,
              reason: "PARTITION_UNREADABLE",
            })),
          }
        : {}),
    }),
  });
  keepRawJsonBody(app);
  installFleetMetrics(app.metrics, controllers);
  scopeMetrics(app);
  const secrets = new Map<string, string>();
  for (const controller of controllers.values())
    if (controller.operator.secret) secrets.set(controller.operator.id, controller.operator.secret);
  // A quarantined operator still signs in: it is told why its fleet is not run, not "unknown operator".
  for (const { operator } of quarantined.values()) if (operator.secret) secrets.set(operator.id, operator.secret);
  installFleetAuth(app, { ...options.auth, secrets, clock: options.clock });
  if (options.auth.disabled)
    app.log.warn("AUTH_DISABLED=true: the fleet API accepts unauthenticated requests — local development only");
  if (options.auth.legacyBearer && !options.auth.disabled) {
    app.log.warn(
      "AUTH_ALLOW_LEGACY_BEARER=true: accepting the replayable 'Bearer <operatorId>:<hmac>' scheme, which does not cover the body or time — migrate clients to signed requests",
    );
  }
  await app.register(operatorScoped(controllers, ledger, quarantined), { prefix: "/operators/:operatorId" });
  await app.register(operatorScoped(controllers, ledger, quarantined));
  return app;
}
