// Admin routes: keys, funding, miners (drain/resume), jobs, wallets, stats and the books audit.
import type { HttpServer } from "@pithead/http";
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import {
  CreatedKeyResponse,
  CreateKeyRequest,
  errorResponses,
  FundRequest,
  FundResponse,
  KeyIdParams,
  KeyView,
  MinerIdParams,
  MinerListQuery,
  MinerView,
  StatsResponse,
  SweepResponse,
  WalletListQuery,
  WalletParams,
} from "../../schemas/index.ts";
import type { CoordinatorService } from "../../service/coordinator.ts";
import { sendAnswer } from "../answer.ts";
import { idempotencyScope } from "../idempotency.ts";
import { asJson, iso, keyView, minerView } from "../views.ts";
import { principalOf } from "./miner.ts";

const admin = { roles: ["admin"] } as const;

export function registerAdminRoutes(app: HttpServer, service: CoordinatorService): void {
  app.post(
    "/v1/admin/keys",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary:
          "Create an API key (shown once); a client key gets a wallet; a miner key may be bound to a payout wallet and to a miner id (rotation)",
        body: CreateKeyRequest,
        response: { 201: CreatedKeyResponse, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const scope = idempotencyScope(request, principal.keyId);
      const answer = await service.command("createKey", {
        scope,
        role: body.role,
        label: body.label ?? null,
        wallet: body.wallet ?? null,
        minerId: body.miner_id ?? null,
      });
      return sendAnswer(reply as FastifyReply, answer);
    },
  );

  app.get(
    "/v1/admin/keys",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary: "Every key (never the secrets)",
        response: { 200: Type.Object({ keys: Type.Array(KeyView) }) },
      },
    },
    async () => ({ keys: (await service.reads.keys()).map(keyView) }),
  );

  app.delete(
    "/v1/admin/keys/:id",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary: "Revoke a key: refused from the next request on; its open event streams and long-polls end",
        params: KeyIdParams,
        response: { 200: KeyView, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => keyView(await service.revokeKey(request.params.id)),
  );

  app.post(
    "/v1/admin/wallets/:address/fund",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary: "Credit a wallet (the only way money enters the books)",
        params: WalletParams,
        body: FundRequest,
        response: { 200: FundResponse, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const scope = idempotencyScope(request, principal.keyId);
      const answer = await service.command("fundWallet", {
        scope,
        address: request.params.address,
        amount: request.body.amount,
      });
      return sendAnswer(reply as FastifyReply, answer);
    },
  );

  app.get(
    "/v1/admin/wallets",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary: "Wallets and system accounts with their balances",
        querystring: WalletListQuery,
        response: {
          200: Type.Object({
            wallets: Type.Array(
              Type.Object({ address: Type.String(), balance: Type.Integer(), updated_at: Type.String() }),
            ),
            next_after: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const wallets = await service.reads.wallets(limit + 1, after);
      const page = wallets.slice(0, limit);
      return {
        wallets: page.map((wallet) => ({
          address: wallet.address,
          balance: wallet.balance,
          updated_at: iso(wallet.updatedAt),
        })),
        next_after: wallets.length > limit ? (page.at(-1)?.address ?? null) : null,
      };
    },
  );

  app.get(
    "/v1/admin/audit",
    {
      config: admin,
      schema: { tags: ["admin"], summary: "Recomputes every balance from the postings and checks the books balance" },
    },
    async () => asJson(await service.reads.audit()),
  );

  app.get(
    "/v1/admin/miners",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary:
          "Miners by miner_id, a page at a time (`?limit=`, then `?after=` the `next_after` of the page before): status, capabilities, jobs in flight, reputation",
        querystring: MinerListQuery,
        response: {
          200: Type.Object({
            miners: Type.Array(MinerView),
            next_after: Type.Union([Type.String(), Type.Null()], {
              description: "The miner_id to pass as `after` for the next page; null on the last page",
            }),
          }),
        },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const miners = await service.reads.miners(limit + 1, after);
      const page = miners.slice(0, limit);
      return {
        miners: page.map((miner) => minerView(miner, miner.inFlight)),
        next_after: miners.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  for (const [action, draining] of [
    ["drain", true],
    ["resume", false],
  ] as const) {
    app.post(
      `/v1/admin/miners/:id/${action}`,
      {
        config: admin,
        schema: {
          tags: ["admin"],
          summary: draining
            ? "Stop handing a miner new jobs (it finishes what it holds)"
            : "Hand a drained miner jobs again",
          params: MinerIdParams,
          response: { 200: MinerView, ...errorResponses(401, 403, 404, 422) },
        },
      },
      async (request) => {
        const miner = await service.command("setDraining", { minerId: request.params.id, draining });
        return minerView(miner, await service.reads.inFlight(miner.id));
      },
    );
  }

  app.get(
    "/v1/admin/stats",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary: "Queue depth per state, miners, throughput, money",
        response: { 200: StatsResponse },
      },
    },
    async () => {
      const stats = await service.reads.stats(service.clock());
      return {
        jobs: stats.jobs,
        queue_depth: stats.queueDepth,
        miners: stats.miners,
        waiting_miners: service.waiting,
        jobs_per_s: Math.round((stats.completedLastMinute / 60) * 100) / 100,
        money: { funded: stats.funded, escrow: stats.escrow, fees: stats.fees },
      };
    },
  );

  app.post(
    "/v1/admin/sweep",
    {
      config: admin,
      schema: {
        tags: ["admin"],
        summary: "Run the sweeper now (expired leases, silent miners, overdue jobs, outputs past the result retention)",
        response: { 200: SweepResponse, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const swept = await service.sweep();
      return {
        miners_offline: swept.minersOffline,
        leases_expired: swept.leasesExpired,
        jobs_expired: swept.jobsExpired,
        slots_closed: swept.slotsClosed,
        idempotency_forgotten: swept.idempotencyForgotten,
        outputs_removed: swept.outputsRemoved,
      };
    },
  );
}
