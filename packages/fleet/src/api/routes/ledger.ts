// The operator's ledger: GET /ledger/status, the record lists by type (/ledger/decisions,
// /ledger/telemetry, /ledger/negative-proofs, ...), GET /ledger/verify and GET /ledger/replay.
// The ledger package's own routes (checkpoint, records with inclusion proofs, consistency,
// export) are mounted beside these, restricted to the operator's partition.

import type { Ledger, VerifyReport } from "@pithead/ledger";
import type { FastifyInstance } from "fastify";
import type { TObject } from "typebox";
import { recordTypes } from "../../core/records.ts";
import type { OperatorController } from "../../orchestrator/operator-controller.ts";
import { type ReplayReport, replayPartition } from "../../orchestrator/replay.ts";
import { type PageQuery, readPage } from "../ledger-page.ts";
import { type Controllers, controllerFor } from "../operator-scope.ts";
import { cyclePageQuery, decisionPageQuery, optionalOperatorParams, pageQuery } from "../schemas.ts";
import { lastCycleView } from "../views.ts";

/** Each list, its record type and its filters (those of a cycle's records add `cycle`). */
const lists: Record<string, { type: string; query: TObject }> = {
  decisions: { type: recordTypes.decision, query: decisionPageQuery },
  telemetry: { type: recordTypes.telemetry, query: cyclePageQuery },
  "negative-proofs": { type: recordTypes.negativeProof, query: cyclePageQuery },
  receipts: { type: recordTypes.receipt, query: pageQuery },
  divergences: { type: recordTypes.divergence, query: cyclePageQuery },
  "model-changes": { type: recordTypes.modelChange, query: cyclePageQuery },
  profits: { type: recordTypes.profit, query: cyclePageQuery },
  prices: { type: recordTypes.price, query: cyclePageQuery },
  networks: { type: recordTypes.network, query: cyclePageQuery },
  cycles: { type: recordTypes.cycle, query: pageQuery },
  modes: { type: recordTypes.mode, query: pageQuery },
  configs: { type: recordTypes.config, query: pageQuery },
};

/**
 * One run per key at a time: a request that comes while one runs waits for its result instead of
 * starting another (a verify or replay reads the whole partition).
 */
function shared<T>(running: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let run = running.get(key);
  if (!run) {
    run = start().finally(() => running.delete(key));
    running.set(key, run);
  }
  return run;
}

/** The latest cycle, from this process's report or, after a restart, from the ledger's records. */
function lastCycleOf(controller: OperatorController): { cycleSeq: number; now: string } | null {
  const cycle = lastCycleView(controller);
  return cycle ? { cycleSeq: cycle.cycleSeq, now: cycle.now } : null;
}

export function registerLedgerRoutes(app: FastifyInstance, controllers: Controllers, ledger: Ledger): void {
  const replays = new Map<string, Promise<ReplayReport>>();
  const verifies = new Map<string, Promise<VerifyReport>>();
  app.get(
    "/ledger/status",
    {
      schema: {
        summary: "Size, tree head, latest signed checkpoint, what is archived and counts for the operator's partition",
        tags: ["ledger"],
        params: optionalOperatorParams,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      const partition = controller.partition;
      const [size, head, checkpoint, archived] = await Promise.all([
        ledger.size(partition),
        ledger.treeHead(partition),
        ledger.latestCheckpoint(partition),
        ledger.archived?.(partition),
      ]);
      return {
        operatorId: controller.operator.id,
        partition,
        size,
        treeHead: head,
        checkpoint: checkpoint ?? null,
        // Where the local records start, without the server's archive paths (no path leaves the server).
        archived: archived
          ? {
              records: archived.records,
              segments: archived.segments,
              bytes: archived.bytes,
              lastArchivedAt: archived.lastArchivedAt,
            }
          : null,
        verifierKey: ledger.verifierKey ?? null,
        mode: controller.mode,
        dryRun: controller.dryRun,
        // Also a cycle that ran before this process started (as /miners says it).
        lastCycle: lastCycleOf(controller),
      };
    },
  );

  for (const [name, { type, query }] of Object.entries(lists)) {
    app.get<{ Querystring: PageQuery }>(
      `/ledger/${name}`,
      {
        schema: {
          summary: `The operator's ${type} records, newest first`,
          tags: ["ledger"],
          params: optionalOperatorParams,
          querystring: query,
        },
      },
      async (request) => {
        const controller = controllerFor(request, controllers);
        const { records, next, nextAfter } = await readPage(ledger, controller.partition, type, request.query);
        return { partition: controller.partition, type, records, nextBefore: next, nextAfter };
      },
    );
  }

  app.get(
    "/ledger/verify",
    {
      schema: {
        summary: "Verify the operator's partition: every hash, the chain, citations and signed checkpoints",
        tags: ["ledger"],
        params: optionalOperatorParams,
      },
    },
    async (request) => {
      const { partition } = controllerFor(request, controllers);
      // On the ledger's own thread (the service keeps serving); one per partition at a time.
      return await shared(verifies, partition, () => ledger.verify(partition));
    },
  );

  app.get(
    "/ledger/replay",
    {
      schema: {
        summary: "Re-derive every decision from the ledger alone and list any that differ",
        tags: ["ledger"],
        params: optionalOperatorParams,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      const report = await shared(replays, controller.operator.id, () =>
        replayPartition(ledger, controller.partition, controller.operator.id),
      );
      return {
        ...report,
        differences: report.differences.slice(0, 100),
        differencesShown: Math.min(100, report.differences.length),
      };
    },
  );
}
