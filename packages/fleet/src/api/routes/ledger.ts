// The operator's ledger: GET /ledger/status, the record lists by type (/ledger/decisions,
// /ledger/telemetry, /ledger/negative-proofs, ...), GET /ledger/verify and GET /ledger/replay.
// The ledger package's own routes (checkpoint, records with inclusion proofs, consistency,
// export) are mounted beside these, restricted to the operator's partition.

import type { Ledger, StoredRecord } from "@pithead/ledger";
import type { FastifyInstance } from "fastify";
import { recordTypes } from "../../core/records.ts";
import { replayPartition } from "../../orchestrator/replay.ts";
import { type Controllers, controllerFor } from "../operator-scope.ts";
import { optionalOperatorParams, pageQuery } from "../schemas.ts";

const lists: Record<string, string> = {
  decisions: recordTypes.decision,
  telemetry: recordTypes.telemetry,
  "negative-proofs": recordTypes.negativeProof,
  receipts: recordTypes.receipt,
  divergences: recordTypes.divergence,
  profits: recordTypes.profit,
  prices: recordTypes.price,
  networks: recordTypes.network,
  cycles: recordTypes.cycle,
  modes: recordTypes.mode,
  configs: recordTypes.config,
};

/** Newest first, `limit` of `type`, optionally one miner's, below `before`. */
async function page(
  ledger: Ledger,
  partition: string,
  type: string,
  query: { limit: number; before?: number; minerId?: string },
): Promise<{ records: StoredRecord[]; next: number | null }> {
  const records: StoredRecord[] = [];
  const options = { type, reverse: true, ...(query.before !== undefined ? { toSeq: query.before - 1 } : {}) };
  if (query.before === 0) return { records, next: null };
  for await (const record of ledger.read(partition, options)) {
    if (query.minerId !== undefined && (record.body as { minerId?: unknown }).minerId !== query.minerId) continue;
    records.push(record);
    if (records.length >= query.limit) break;
  }
  const last = records.at(-1);
  return { records, next: records.length === query.limit && last ? last.seq : null };
}

export function registerLedgerRoutes(app: FastifyInstance, controllers: Controllers, ledger: Ledger): void {
  app.get(
    "/ledger/status",
    {
      schema: {
        summary: "Size, tree head, latest signed checkpoint and counts for the operator's partition",
        tags: ["ledger"],
        params: optionalOperatorParams,
      },
    },
    async (request) => {
      const controller = controllerFor(request, controllers);
      const partition = controller.partition;
      const [size, head, checkpoint] = await Promise.all([
        ledger.size(partition),
        ledger.treeHead(partition),
        ledger.latestCheckpoint(partition),
      ]);
      return {
        operatorId: controller.operator.id,
        partition,
        size,
        treeHead: head,
        checkpoint: checkpoint ?? null,
        verifierKey: ledger.verifierKey ?? null,
        mode: controller.mode,
        dryRun: controller.dryRun,
        lastCycle: controller.lastCycle
          ? { cycleSeq: controller.lastCycle.cycleSeq, now: controller.lastCycle.now }
          : null,
      };
    },
  );

  for (const [name, type] of Object.entries(lists)) {
    app.get<{ Querystring: { limit: number; before?: number; minerId?: string } }>(
      `/ledger/${name}`,
      {
        schema: {
          summary: `The operator's ${type} records, newest first`,
          tags: ["ledger"],
          params: optionalOperatorParams,
          querystring: pageQuery,
        },
      },
      async (request) => {
        const controller = controllerFor(request, controllers);
        const { records, next } = await page(ledger, controller.partition, type, request.query);
        return { partition: controller.partition, type, records, nextBefore: next };
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
      const controller = controllerFor(request, controllers);
      return await ledger.verify(controller.partition);
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
      const report = await replayPartition(ledger, controller.partition, controller.operator.id);
      return {
        ...report,
        differences: report.differences.slice(0, 100),
        differencesShown: Math.min(100, report.differences.length),
      };
    },
  );
}
