// Fleet view and manual commands: GET /miners, GET /miners/:id, GET /miners/:id/history,
// POST /miners/:id/start|stop|restart. Registered under /operators/:operatorId and as aliases.

import type { FastifyInstance } from "fastify";
import type { Action } from "../../core/records.ts";
import { IdempotencyKeyReusedError, UnknownMinerError } from "../../orchestrator/operator-controller.ts";
import { conditionsView } from "../conditions-view.ts";
import { fleetErrors } from "../errors.ts";
import { type Controllers, controllerFor } from "../operator-scope.ts";
import {
  commandBody,
  historyQuery,
  idempotencyHeader,
  minerParams,
  minersQuery,
  minersResponse,
  optionalOperatorParams,
} from "../schemas.ts";
import { fleetTotals, lastCycleView, minerSummary } from "../views.ts";

const commands: Record<string, Exclude<Action, "HOLD">> = { start: "RUN", stop: "STOP", restart: "RESTART" };

export function registerMinerRoutes(app: FastifyInstance, controllers: Controllers): void {
  app.get<{ Querystring: { offset: number; limit: number } }>(
    "/miners",
    {
      schema: {
        summary: "The fleet: every miner's latest telemetry and decision, and the fleet totals",
        tags: ["fleet"],
        params: optionalOperatorParams,
        querystring: minersQuery,
        response: { 200: minersResponse },
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      const all = controller.miners();
      const page = all.slice(request.query.offset, request.query.offset + request.query.limit);
      return {
        operatorId: controller.operator.id,
        label: controller.operator.label,
        mode: controller.mode,
        dryRun: controller.dryRun,
        cycleRunning: controller.busy,
        lastCycle: lastCycleView(controller),
        ...conditionsView(controller),
        totals: fleetTotals(controller),
        count: all.length,
        miners: page.map((miner) => minerSummary(controller, miner.id)),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/miners/:id",
    {
      schema: {
        summary: "One miner: its latest full telemetry, latest decision and what the controller remembers",
        tags: ["fleet"],
        params: minerParams,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      if (!controller.hasMiner(request.params.id))
        throw fleetErrors.error(
          "UNKNOWN_MINER",
          { minerId: request.params.id },
          new UnknownMinerError(request.params.id).message,
        );
      const view = controller.minerView(request.params.id);
      return {
        ...minerSummary(controller, request.params.id),
        telemetry: view.latest?.ok ? view.latest.telemetry : null,
        memory: { ...view.memory, restartsLastHour: view.memory.restartsAtMs.length },
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    "/miners/:id/history",
    {
      schema: {
        summary: "A miner's recent time series: hashrate, temperature, power, margin and decision per cycle",
        tags: ["fleet"],
        params: minerParams,
        querystring: historyQuery,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      if (!controller.hasMiner(request.params.id))
        throw fleetErrors.error(
          "UNKNOWN_MINER",
          { minerId: request.params.id },
          new UnknownMinerError(request.params.id).message,
        );
      return { minerId: request.params.id, points: controller.history.series(request.params.id, request.query.limit) };
    },
  );

  for (const [verb, action] of Object.entries(commands)) {
    app.post<{ Params: { id: string }; Body: { reason?: string } | null; Headers: { "idempotency-key"?: string } }>(
      `/miners/:id/${verb}`,
      {
        schema: {
          summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a miner now: recorded as a decision by the operator, then dispatched or suppressed (dry-run, unsupported firmware) with a receipt or a negative proof`,
          tags: ["commands"],
          params: minerParams,
          headers: idempotencyHeader,
          body: commandBody,
        },
      },
      async (request) => {
        const controller = controllerFor(request, controllers);
        const requestedBy = request.operator ? `operator:${request.operator.id}` : "unauthenticated (AUTH_DISABLED)";
        try {
          return await controller.manualCommand(
            request.params.id,
            action,
            requestedBy,
            request.body?.reason ?? null,
            request.headers["idempotency-key"],
          );
        } catch (error) {
          if (error instanceof UnknownMinerError)
            throw fleetErrors.error("UNKNOWN_MINER", { minerId: error.minerId }, error.message);
          if (error instanceof IdempotencyKeyReusedError)
            throw fleetErrors.error(
              "IDEMPOTENCY_KEY_REUSED",
              { header: "Idempotency-Key", key: error.key, first: error.first },
              error.message,
            );
          throw error;
        }
      },
    );
  }
}
