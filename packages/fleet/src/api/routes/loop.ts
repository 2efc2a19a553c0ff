// The loop and the mode: POST /loop/run-once (the dashboard's "Run cycle"), GET and POST /mode.

import type { FastifyInstance } from "fastify";
import type { Mode } from "../../core/policy.ts";
import { type Controllers, controllerFor } from "../operator-scope.ts";
import { modeBody, optionalOperatorParams, runOnceQuery } from "../schemas.ts";

export function registerLoopRoutes(app: FastifyInstance, controllers: Controllers): void {
  app.post<{ Querystring: { details: boolean } }>(
    "/loop/run-once",
    {
      schema: {
        summary:
          "Run one full cycle now (poll, checks, profit, decide, execute) and return what it decided; waits for a cycle already running",
        tags: ["loop"],
        params: optionalOperatorParams,
        querystring: runOnceQuery,
      },
    },
    async (request) => {
      const report = await controllerFor(request, controllers).runCycle();
      if (request.query.details) return report;
      return { ...report, decisions: report.decisions.filter((decision) => decision.action !== "HOLD") };
    },
  );

  app.get(
    "/mode",
    {
      schema: {
        summary: "The operator's mode (AUTO or MANUAL) and dry-run switch",
        tags: ["loop"],
        params: optionalOperatorParams,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      return { operatorId: controller.operator.id, mode: controller.mode, dryRun: controller.dryRun };
    },
  );

  app.post<{ Body: { mode: Mode; reason?: string } }>(
    "/mode",
    {
      schema: {
        summary: "Switch AUTO/MANUAL; recorded in the ledger with who did it",
        tags: ["loop"],
        params: optionalOperatorParams,
        body: modeBody,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      const by = request.operator ? `operator:${request.operator.id}` : "unauthenticated (AUTH_DISABLED)";
      const changed = await controller.setMode(request.body.mode, by, request.body.reason ?? null);
      return { operatorId: controller.operator.id, ...changed };
    },
  );
}
