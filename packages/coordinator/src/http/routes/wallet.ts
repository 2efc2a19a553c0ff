// GET /v1/wallet/balance and /v1/wallet/statement. The seed's quick-start calls the balance with no
// key at all; that answer tells the operator exactly how to ask instead of being an error page.
import type { HttpServer } from "@pithead/http";
import { errors } from "../../errors.ts";
import {
  BalanceQuery,
  BalanceResponse,
  errorResponses,
  StatementQuery,
  StatementResponse,
} from "../../schemas/index.ts";
import type { KeyPrincipal } from "../../service/auth.ts";
import type { CoordinatorService } from "../../service/coordinator.ts";
import { iso } from "../views.ts";
import { principalOf } from "./miner.ts";

function statementCursor(postingId: number): string {
  return Buffer.from(`posting:${postingId}`, "utf8").toString("base64url");
}

function afterCursor(cursor: string): number {
  const match = /^posting:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match?.[1]) throw errors.error("INVALID_CURSOR", { field: "querystring.cursor" });
  return Number(match[1]);
}

/** What to do without a key, with a command that works as pasted against this coordinator. */
export function noKeyHelp(origin: string) {
  return {
    header: "Authorization: Bearer <API_KEY>",
    get_a_key:
      "On the coordinator host: `pithead keys create --role miner` (or --role client); the admin key is in <data>/admin.key, or in ./data/keys.json under `pithead up`. Over HTTP: POST /v1/admin/keys with the admin key.",
    // Double quotes: the shell expands $API_KEY in them (single quotes would send it literally).
    example: `curl -s -H "Authorization: Bearer $API_KEY" ${origin}/v1/wallet/balance | jq`,
    docs: "/docs",
  };
}

async function walletOf(
  service: CoordinatorService,
  principal: KeyPrincipal,
  asked: string | undefined,
): Promise<string> {
  if (principal.role === "admin") {
    if (asked === undefined) {
      throw errors.error(
        "VALIDATION_FAILED",
        { field: "querystring.address" },
        "querystring.address is required with an admin key",
      );
    }
    return asked;
  }
  let own: string;
  if (principal.role === "client") {
    own = principal.wallet ?? "";
  } else {
    const minerId = await service.boundMinerId(principal);
    own = (await service.reads.miner(minerId))?.wallet ?? "";
  }
  if (asked !== undefined && asked !== own) throw errors.error("NOT_YOUR_WALLET", { address: asked });
  if (principal.role === "miner" && own !== "") await checkMinerMayRead(service, principal, own);
  return own;
}

/**
 * A miner names its payout wallet itself, and a heartbeat may keep naming a wallet it shared before
 * the wallet rules (ops/heartbeat.ts): paying into a wallet must not show a miner key what the
 * wallet's owner holds. The owner is a client key, or the miner keys an admin bound to the wallet.
 */
async function checkMinerMayRead(service: CoordinatorService, principal: KeyPrincipal, own: string): Promise<void> {
  if (await service.reads.clientWallet(own)) {
    throw errors.error(
      "NOT_YOUR_WALLET",
      { address: own },
      `Wallet ${own} belongs to a client key: read its balance with that key (or an admin key)`,
    );
  }
  if (principal.wallet !== own && (await service.reads.boundWallet(own))) {
    throw errors.error(
      "NOT_YOUR_WALLET",
      { address: own },
      `Wallet ${own} is bound to other miner keys: read its balance with a key bound to it (pithead keys create --role miner --wallet ${own}) or an admin key`,
    );
  }
}

export function registerWalletRoutes(app: HttpServer, service: CoordinatorService): void {
  app.get(
    "/v1/wallet/balance",
    {
      config: { optionalAuth: true },
      schema: {
        tags: ["wallet"],
        summary: "A wallet's balance: the caller's own (miner or client key), any with an admin key",
        querystring: BalanceQuery,
        response: { 200: BalanceResponse, ...errorResponses(401, 403, 409, 422) },
      },
    },
    async (request) => {
      const principal = request.principal as KeyPrincipal | undefined;
      if (!principal) {
        throw errors.error(
          "UNAUTHORIZED",
          noKeyHelp(`${request.protocol}://${request.host}`),
          "This coordinator needs an API key to show a balance: send Authorization: Bearer <API_KEY> (see details.get_a_key)",
          { "www-authenticate": "Bearer" },
        );
      }
      const address = await walletOf(service, principal, request.query.address);
      const wallet = await service.reads.wallet(address);
      return {
        address,
        balance: wallet?.balance ?? 0,
        pending: await service.reads.pending(address, service.ctx.policy.feeBps),
        updated_at: wallet ? iso(wallet.updatedAt) : null,
      };
    },
  );
  app.get(
    "/v1/wallet/statement",
    {
      config: { roles: ["client", "miner", "admin"] },
      schema: {
        tags: ["wallet"],
        summary:
          "A wallet's movements from the ledger's postings, newest first, with the balance after each: the caller's own (miner or client key), any with an admin key",
        querystring: StatementQuery,
        response: { 200: StatementResponse, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request) => {
      const query = request.query;
      const address = await walletOf(service, principalOf(request), query.address);
      const before = query.cursor === undefined ? undefined : afterCursor(query.cursor);
      const page = await service.reads.postings(address, query.limit + 1, before);
      const shown = page.slice(0, query.limit);
      // The balance after the newest shown posting, then back one posting at a time.
      let balance = shown[0] === undefined ? 0 : await service.reads.balanceThrough(address, shown[0].id);
      const entries = shown.map((posting) => {
        const entry = {
          posting_id: posting.id,
          at: iso(posting.at),
          kind: posting.kind,
          job_id: posting.jobId,
          transfer_id: posting.transferId,
          amount: posting.amount,
          balance_after: balance,
        };
        balance -= posting.amount;
        return entry;
      });
      const wallet = await service.reads.wallet(address);
      const last = shown.at(-1);
      return {
        address,
        balance: wallet?.balance ?? 0,
        entries,
        next_cursor: page.length > query.limit && last ? statementCursor(last.id) : null,
      };
    },
  );
}
