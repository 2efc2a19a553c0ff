// The REST API over real HTTP: two operators on one controller, signed requests, a real ledger
// and simulated miners behind real TCP sockets.

import { request as httpRequest } from "node:http";
import type { HttpServer } from "@pithead/http";
import { probeGetRoutes } from "@pithead/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { signFleetRequest } from "../src/auth/sign.ts";
import { ManualClock } from "../src/clock.ts";
import type { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, listenLocal, operatorFor } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
let simulator: FleetSimulator;
let store: TestLedger;
let server: HttpServer;
let base: string;
const controllers = new Map<string, OperatorController>();
const secrets = { alpha: "alpha-secret-0123456789abcdef", beta: "beta-secret-0123456789abcdef" };
const metricsToken = "site-prometheus-0123456789abcdef";

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 6, clock, models: ["cgminer-asc", "s19", "avalon-1246"] });
  const endpoints = simulator.endpoints();
  store = await openTestLedger("sqlite");
  controllers.set(
    "alpha",
    await controllerFor(
      operatorFor("alpha", endpoints.slice(0, 3), {
        secret: secrets.alpha,
        site: { energyMicroUsdPerKwh: 5_000, poolFeePpm: 0 },
      }),
      store.ledger,
      clock,
    ),
  );
  controllers.set(
    "beta",
    await controllerFor(operatorFor("beta", endpoints.slice(3), { secret: secrets.beta }), store.ledger, clock),
  );
  server = await createFleetServer({
    controllers,
    ledger: store.ledger,
    clock,
    auth: { disabled: false, legacyBearer: false, maxSkewMs: 60_000, metricsToken },
    logger: false,
  });
  base = await listenLocal(server);
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

async function call(
  method: string,
  path: string,
  options: {
    as?: keyof typeof secrets;
    secret?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    unsigned?: boolean;
    keyUnsigned?: boolean;
  } = {},
) {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const operatorId = options.as ?? "alpha";
  const signature = options.unsigned
    ? {}
    : await signFleetRequest({
        operatorId,
        secret: options.secret ?? secrets[operatorId],
        method,
        path,
        body,
        now: clock.now(),
        // The Idempotency-Key is signed (docs/auth.md) unless a test sends it apart.
        ...(options.headers?.["idempotency-key"] !== undefined && !options.keyUnsigned
          ? { idempotencyKey: options.headers["idempotency-key"] }
          : {}),
      });
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...signature,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...options.headers,
    },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & {
      error?: { code: string; message: string; details?: Record<string, unknown> };
    },
  };
}

describe("fleet API", () => {
  it("/health is public and lists the operators by id and label, nothing about their fleets", async () => {
    const response = await fetch(`${base}/health`);
    const body = (await response.json()) as { operators: unknown[]; auth: string };
    expect(response.status).toBe(200);
    expect(body.auth).toBe("hmac-v1");
    // Mode, dry-run, miner count and last cycle are the operator's own: signed GET /miners has them.
    expect(body.operators).toEqual([
      { id: "alpha", label: "Operator alpha" },
      { id: "beta", label: "Operator beta" },
    ]);
  });

  it("refuses an unsigned request with the standard error envelope", async () => {
    const response = await call("GET", "/operators/alpha/miners", { unsigned: true });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ code: "AUTH_MISSING" });
  });

  it("runs a cycle on request and shows the fleet with each miner's decision", async () => {
    const run = await call("POST", "/operators/alpha/loop/run-once");
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ operatorId: "alpha", miners: 3, polled: { ok: 3, failed: 0 } });
    const fleet = await call("GET", "/operators/alpha/miners");
    expect(fleet.status).toBe(200);
    const miners = fleet.body.miners as {
      id: string;
      status: string;
      lastDecision: { action: string } | null;
      hashrateThs: string;
    }[];
    expect(miners.map((m) => m.status)).toEqual(["ok", "ok", "ok"]);
    expect(miners.every((m) => m.lastDecision?.action === "HOLD")).toBe(true);
    expect(fleet.body.totals).toMatchObject({ marginUsdPerDay: expect.any(Number), hashrateThs: expect.any(String) });
  });

  it("alpha's credentials do not reach beta's routes or ledger", async () => {
    const miners = await call("GET", "/operators/beta/miners", { as: "alpha" });
    expect(miners.status).toBe(403);
    expect(miners.body.error?.code).toBe("OPERATOR_FORBIDDEN");
    const ledger = await call("GET", "/operators/beta/ledger/decisions", { as: "alpha" });
    expect(ledger.status).toBe(403);
    const checkpoint = await call("GET", "/ledger/checkpoint?partition=fleet/beta", { as: "alpha" });
    expect(checkpoint.status).toBe(404);
    expect(checkpoint.body.error).toEqual({
      code: "LEDGER_NO_PARTITION",
      message: "no partition fleet/beta",
      details: {},
    });
    const signedByBeta = await call("GET", "/operators/alpha/miners", { as: "alpha", secret: secrets.beta });
    expect(signedByBeta.body.error?.code).toBe("AUTH_BAD_SIGNATURE");
  });

  it("another operator's route is 403 whatever the body or query: authorization before validation", async () => {
    const refused = [
      await call("POST", "/operators/beta/mode", { as: "alpha", body: { mode: "SOMETIMES" } }),
      await call("POST", "/operators/beta/mode", { as: "alpha", body: { mode: "MANUAL", x: 1 } }),
      await call("POST", "/operators/beta/mode", { as: "alpha" }),
      await call("GET", "/operators/beta/ledger/consistency", { as: "alpha" }),
      await call("GET", "/operators/beta/ledger/decisions?minerid=x", { as: "alpha" }),
      await call("GET", "/operators/beta/ledger/decisions?limit=100000", { as: "alpha" }),
      await call("GET", "/operators/beta/ledger/records/not-a-number", { as: "alpha" }),
      await call("POST", "/operators/beta/loop/run-once?detail=1", { as: "alpha" }),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({
        code: "OPERATOR_FORBIDDEN",
        message: "credentials of operator 'alpha' cannot reach operator 'beta'",
      });
    }
    // Beta's own credentials still get the schema's answer, and nothing was changed.
    const own = await call("POST", "/operators/beta/mode", { as: "beta", body: { mode: "SOMETIMES" } });
    expect(own.status).toBe(422);
    expect(controllers.get("beta")?.mode).toBe("AUTO");
  });

  it("the single-operator aliases act for the operator that signed", async () => {
    const alpha = await call("GET", "/miners", { as: "alpha" });
    const beta = await call("GET", "/miners", { as: "beta" });
    expect(alpha.body.operatorId).toBe("alpha");
    expect(beta.body.operatorId).toBe("beta");
  });

  it("refuses a replayed request and a stale one over HTTP", async () => {
    const path = "/operators/alpha/mode";
    const headers = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "GET",
      path,
      now: clock.now(),
    });
    const first = await fetch(`${base}${path}`, { headers });
    const again = await fetch(`${base}${path}`, { headers });
    expect(first.status).toBe(200);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("AUTH_REPLAYED_NONCE");
    const stale = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "GET",
      path,
      now: clock.now() - 120_000,
    });
    const old = await fetch(`${base}${path}`, { headers: stale });
    expect(((await old.json()) as { error: { code: string } }).error.code).toBe("AUTH_STALE_TIMESTAMP");
  });

  it("refuses a body altered in flight", async () => {
    const path = "/operators/alpha/mode";
    const headers = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "POST",
      path,
      body: '{"mode":"AUTO"}',
      now: clock.now(),
    });
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: '{"mode":"MANUAL"}',
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("AUTH_BODY_MISMATCH");
    expect(controllers.get("alpha")?.mode).toBe("AUTO");
  });

  it("a manual stop is a recorded decision with a receipt, and a retry with the same key does not act twice", async () => {
    const rig = simulator.endpoints()[0]?.id as string; // a cgminer rig: ascdisable works
    const first = await call("POST", `/operators/alpha/miners/${rig}/stop`, {
      body: { reason: "maintenance" },
      headers: { "idempotency-key": "stop-rig-1" },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      replayed: false,
      outcome: { kind: "receipt", body: { action: "STOP", status: "ok" } },
    });
    const again = await call("POST", `/operators/alpha/miners/${rig}/stop`, {
      body: { reason: "maintenance" },
      headers: { "idempotency-key": "stop-rig-1" },
    });
    expect(again.body).toMatchObject({ replayed: true, decisionId: first.body.decisionId });
    expect(simulator.miner(rig).commandLog.filter((c) => c.startsWith("ascdisable"))).toHaveLength(3);
    const decisions = await call("GET", `/operators/alpha/ledger/decisions?minerId=${rig}&limit=1`);
    const [latest] = decisions.body.records as { body: { origin: string; requestedBy: string; action: string } }[];
    // The operator in requestedBy, the reason in the detail (requestedBy_reason_kept_apart).
    expect(latest?.body).toMatchObject({
      origin: "manual",
      action: "STOP",
      requestedBy: "operator:alpha",
      detail: "STOP requested by operator:alpha (maintenance)",
    });
    await call("POST", `/operators/alpha/miners/${rig}/start`);
  });

  it("a command the firmware cannot carry out answers its negative proof as recorded, the same as a retry does", async () => {
    const s19 = simulator.endpoints()[1]?.id as string; // stock bmminer: no stop command on the API
    const command = () =>
      call("POST", `/operators/alpha/miners/${s19}/stop`, {
        body: { reason: "maintenance" },
        headers: { "idempotency-key": "stop-s19-1" },
      });
    const first = await command();
    expect(first.body).toMatchObject({
      replayed: false,
      outcome: { kind: "negative-proof", body: { reason: "UNSUPPORTED_BY_FIRMWARE", cites: [first.body.decisionSeq] } },
    });
    const again = await command();
    expect(again.body).toEqual({ ...first.body, replayed: true });
  });

  it("signs the Idempotency-Key: a fresh command whose key an attacker swapped for an old one is refused, not answered with the old result", async () => {
    const rig = simulator.endpoints()[0]?.id as string; // a cgminer rig: start is harmless
    const old = await call("POST", `/operators/alpha/miners/${rig}/start`, {
      headers: { "idempotency-key": "k-start-old" },
    });
    expect(old.status).toBe(200);
    const before = simulator.miner(rig).commandLog.length;
    // A new request, signed with its own key, sent with the old key swapped in on the way.
    const path = `/operators/alpha/miners/${rig}/start`;
    const signed = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "POST",
      path,
      now: clock.now(),
      idempotencyKey: "k-start-new",
    });
    const swapped = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { ...signed, "idempotency-key": "k-start-old" },
    });
    expect(swapped.status).toBe(401);
    expect(((await swapped.json()) as { error: { code: string } }).error.code).toBe("AUTH_BAD_SIGNATURE");
    expect(simulator.miner(rig).commandLog.length).toBe(before);
    // A client that signs the seven lines and sends a key is told what to add.
    const unsigned = await call("POST", path, { headers: { "idempotency-key": "k-start-2" }, keyUnsigned: true });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error?.message).toContain("add it to the signed string as an eighth line");
  });

  it("refuses an Idempotency-Key sent twice as AUTH_MALFORMED, whichever of them was signed, and does not act", async () => {
    const rig = simulator.endpoints()[0]?.id as string;
    const path = `/operators/alpha/miners/${rig}/restart`;
    const before = simulator.miner(rig).commandLog.length;
    // Node joins a repeated header into "a, b": one sent twice must not pass for one key.
    for (const signedKey of ["dup-key-1", "dup-key-1, dup-key-1"]) {
      const signed = await signFleetRequest({
        operatorId: "alpha",
        secret: secrets.alpha,
        method: "POST",
        path,
        now: clock.now(),
        idempotencyKey: signedKey,
      });
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = { ...signed, "idempotency-key": ["dup-key-1", "dup-key-1"] };
        const sent = httpRequest(`${base}${path}`, { method: "POST", headers }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        sent.on("error", reject);
        sent.end();
      });
      expect(status).toBe(401);
      expect(JSON.parse(body).error).toMatchObject({
        code: "AUTH_MALFORMED",
        message: "Idempotency-Key was sent more than once",
      });
    }
    expect(simulator.miner(rig).commandLog.length).toBe(before);
  });

  it("names a signature header sent twice as repeated, not as a bad value ('no operator \"alpha, alpha\"')", async () => {
    const path = "/operators/alpha/miners";
    const signed = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "GET",
      path,
      now: clock.now(),
    });
    for (const name of ["x-pithead-operator", "x-pithead-signature"] as const) {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = { ...signed, [name]: [signed[name] as string, signed[name] as string] };
        const sent = httpRequest(`${base}${path}`, { method: "GET", headers }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        sent.on("error", reject);
        sent.end();
      });
      expect(status).toBe(401);
      expect(JSON.parse(body).error).toMatchObject({
        code: "AUTH_MALFORMED",
        message: `${name} was sent 2 times: send it once`,
      });
    }
  });

  it("refuses an Idempotency-Key reused for another miner or action (409), and does not act on it", async () => {
    const [rig, antminer] = simulator.endpoints() as { id: string }[];
    const first = await call("POST", `/operators/alpha/miners/${rig?.id}/restart`, {
      headers: { "idempotency-key": "maint-42" },
    });
    expect(first.status).toBe(200);
    const before = simulator.miner(antminer?.id as string).commandLog.length;
    const decisionsBefore = (await call("GET", `/operators/alpha/ledger/decisions?minerId=${antminer?.id}`)).body
      .records as unknown[];
    const other = await call("POST", `/operators/alpha/miners/${antminer?.id}/stop`, {
      headers: { "idempotency-key": "maint-42" },
    });
    expect(other.status).toBe(409);
    expect(other.body.error?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(other.body.error?.message).toBe(
      `Idempotency-Key 'maint-42' was already used for RESTART of miner '${rig?.id}' (decision alpha:manual:maint-42, ledger record #${first.body.decisionSeq}); this request is STOP of miner '${antminer?.id}': send it with a new key`,
    );
    const sameMinerOtherAction = await call("POST", `/operators/alpha/miners/${rig?.id}/stop`, {
      headers: { "idempotency-key": "maint-42" },
    });
    expect(sameMinerOtherAction.status).toBe(409);
    expect(simulator.miner(antminer?.id as string).commandLog.length).toBe(before);
    const decisionsAfter = (await call("GET", `/operators/alpha/ledger/decisions?minerId=${antminer?.id}`)).body
      .records as unknown[];
    expect(decisionsAfter).toEqual(decisionsBefore);
    // The same request again is still a retry: the first result, not a second restart.
    const retry = await call("POST", `/operators/alpha/miners/${rig?.id}/restart`, {
      headers: { "idempotency-key": "maint-42" },
    });
    expect(retry.body).toMatchObject({ replayed: true, decisionId: "alpha:manual:maint-42" });
    clock.advance(60_000); // the rig is back from its restart for the tests after
  });

  it("refuses unknown query and body fields with 422 naming the field, instead of ignoring them", async () => {
    const rig = simulator.endpoints()[0]?.id as string;
    const filtered = await call("GET", "/operators/alpha/ledger/decisions?minerid=sim-001");
    expect(filtered.status).toBe(422);
    expect(filtered.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      message:
        "querystring.minerid is not a field of this request (known: action, after, before, cycle, limit, minerId)",
      details: { field: "querystring.minerid" },
    });
    const mode = await call("POST", "/operators/alpha/mode", { body: { mode: "MANUAL", x: 1 } });
    expect(mode.status).toBe(422);
    expect(mode.body.error?.message).toBe("body.x is not a field of this request (known: mode, reason)");
    expect((await call("GET", "/operators/alpha/mode")).body).toMatchObject({ mode: "AUTO" });
    const before = simulator.miner(rig).commandLog.length;
    const start = await call("POST", `/operators/alpha/miners/${rig}/start`, { body: { reason: "x", force: true } });
    expect(start.status).toBe(422);
    expect(start.body.error?.details?.field).toBe("body.force");
    expect(simulator.miner(rig).commandLog.length).toBe(before);
    const runOnce = await call("POST", "/operators/alpha/loop/run-once?detail=false");
    expect(runOnce.status).toBe(422);
    expect(runOnce.body.error?.message).toBe("querystring.detail is not a field of this request (known: details)");
    const status = await call("GET", "/operators/alpha/ledger/status?partition=fleet/beta");
    expect(status.status).toBe(422);
    expect(status.body.error?.message).toBe("querystring.partition is not a field of this request (it takes no query)");
    // Still authentication first: an unsigned caller learns nothing about the fields.
    expect((await call("GET", "/operators/alpha/ledger/decisions?minerid=x", { unsigned: true })).status).toBe(401);
  });

  it("answers a correctly signed text/plain body with 415, not a signature mismatch", async () => {
    const path = "/operators/alpha/mode";
    const body = '{"mode":"MANUAL"}';
    const headers = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "POST",
      path,
      body,
      now: clock.now(),
    });
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain" },
      body,
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(controllers.get("alpha")?.mode).toBe("AUTO");
  });

  it("a manual stop on a stock Antminer is recorded as suppressed, with the reason, and nothing is sent", async () => {
    const antminer = simulator.endpoints()[1]?.id as string;
    const result = await call("POST", `/operators/alpha/miners/${antminer}/stop`);
    expect(result.body).toMatchObject({
      outcome: { kind: "negative-proof", body: { reason: "UNSUPPORTED_BY_FIRMWARE", stage: "execution" } },
    });
    expect(simulator.miner(antminer).commandLog).toEqual([]);
  });

  it("refuses a lone surrogate in what it would record with 422 naming the field, after checking the signature", async () => {
    const rawBody = '{"mode":"MANUAL","reason":"site \\ud800 visit"}';
    const unsigned = await call("POST", "/operators/alpha/mode", { rawBody, unsigned: true });
    expect(unsigned.status).toBe(401);
    const refused = await call("POST", "/operators/alpha/mode", { rawBody });
    expect(refused.status).toBe(422);
    expect(refused.body.error?.details?.field).toBe("body.reason");
    const mode = await call("GET", "/operators/alpha/mode");
    expect(mode.body).toMatchObject({ mode: "AUTO" });
  });

  it("in MANUAL mode a cycle's automatic actions become negative proofs and no miner is touched", async () => {
    const beta = controllers.get("beta") as OperatorController;
    const switched = await call("POST", "/operators/beta/mode", {
      as: "beta",
      body: { mode: "MANUAL", reason: "site visit" },
    });
    expect(switched.body).toMatchObject({ mode: "MANUAL", previous: "AUTO" });
    const hot = simulator.endpoints()[3]?.id as string; // a cgminer rig of beta's
    simulator.miner(hot).setFault({ kind: "over-temperature" });
    clock.advance(10 * 60_000);
    const before = simulator.miner(hot).commandLog.length;
    const run = await call("POST", "/operators/beta/loop/run-once?details=false", { as: "beta" });
    expect(run.body.decisions).toEqual([
      expect.objectContaining({ minerId: hot, action: "STOP", reason: "OVER_TEMPERATURE" }),
    ]);
    expect(run.body.negativeProofs).toContainEqual({
      minerId: hot,
      stage: "execution",
      suppressed: "STOP",
      reason: "MANUAL_MODE",
      detail: expect.stringContaining("MANUAL mode"),
    });
    expect(run.body.receipts).toEqual([]);
    expect(simulator.miner(hot).commandLog.length).toBe(before);
    simulator.miner(hot).clearFault("over-temperature");
    expect(beta.mode).toBe("MANUAL");
    const modes = await call("GET", "/operators/beta/ledger/modes", { as: "beta" });
    expect((modes.body.records as { body: { by: string; reason: string } }[])[0]?.body).toMatchObject({
      by: "operator:beta",
      reason: "site visit",
    });
  });

  it("bad input gets a clear error naming the field, never a 500", async () => {
    const mode = await call("POST", "/operators/alpha/mode", { body: { mode: "SOMETIMES" } });
    expect(mode.status).toBe(422);
    expect(String(mode.body.error?.details?.field)).toContain("body.mode");
    expect(mode.body.error?.message).toBe("body.mode must be one of AUTO, MANUAL");
    const json = await call("POST", "/operators/alpha/mode", { rawBody: '{"mode":' });
    expect(json.status).toBe(400);
    expect(json.body.error?.code).toBe("INVALID_JSON");
    const miner = await call("POST", "/operators/alpha/miners/no-such-miner/restart");
    expect(miner.status).toBe(404);
    expect(miner.body.error?.code).toBe("UNKNOWN_MINER");
    const operator = await call("GET", "/operators/gamma/miners", { as: "alpha" });
    expect(operator.status).toBe(403);
    const limit = await call("GET", "/operators/alpha/ledger/decisions?limit=100000");
    expect(limit.status).toBe(422);
    expect(String(limit.body.error?.details?.field)).toContain("limit");
  });

  it("serves the ledger: status, lists, verification, replay, a signed checkpoint and an inclusion proof", async () => {
    await store.ledger.checkpoint("fleet/alpha");
    const status = await call("GET", "/operators/alpha/ledger/status");
    expect(status.body).toMatchObject({
      partition: "fleet/alpha",
      checkpoint: { size: expect.any(Number) },
      archived: null,
    });
    const telemetry = await call("GET", "/operators/alpha/ledger/telemetry?limit=2");
    expect((telemetry.body.records as unknown[]).length).toBe(2);
    expect(telemetry.body.nextBefore).toEqual(expect.any(Number));
    const proofs = await call("GET", "/ledger/negative-proofs");
    expect((proofs.body.records as { body: { reason: string } }[]).map((r) => r.body.reason)).toContain(
      "UNSUPPORTED_BY_FIRMWARE",
    );
    const verify = await call("GET", "/operators/alpha/ledger/verify");
    expect(verify.body).toMatchObject({ ok: true });
    const replay = await call("GET", "/operators/alpha/ledger/replay");
    expect(replay.body).toMatchObject({ ok: true, differences: [] });
    const checkpoint = await call("GET", "/operators/alpha/ledger/checkpoint");
    expect(checkpoint.body.note).toContain("fleet/alpha");
    const record = await call("GET", "/operators/alpha/ledger/records/3");
    expect(record.status).toBe(200);
    // The ledger's own errors arrive in the fleet's envelope, with their code.
    const missing = await call("GET", "/operators/alpha/ledger/records/999999");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({
      code: "LEDGER_NO_RECORD",
      message: "partition fleet/alpha has no record 999999",
      details: {},
    });
  });

  it("answers boundary values in every GET route's path and query parameters without a 5xx", async () => {
    const { requests, findings } = await probeGetRoutes(
      server,
      (url) =>
        signFleetRequest({ operatorId: "alpha", secret: secrets.alpha, method: "GET", path: url, now: clock.now() }),
      { fixed: { operatorId: "alpha" }, skip: (path) => path.endsWith("/events") },
    );
    expect(findings).toEqual([]);
    expect(requests).toBeGreaterThan(300);
  });

  it("exposes an operator's own fleet gauges on /metrics to its signed scrape, never another operator's", async () => {
    const path = "/metrics";
    const headers = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "GET",
      path,
      now: clock.now(),
    });
    const response = await fetch(`${base}${path}`, { headers });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('pithead_fleet_miners{operator="alpha",state="ok"} 3');
    expect(text).toMatch(/pithead_fleet_hashrate_ths\{operator="alpha"\} \d+/);
    expect(text).toMatch(/^pithead_fleet_process_cpu_user_seconds_total \d/m); // the server's own series stay
    // Beta's mode, miners, margin: none of it reaches alpha.
    expect(text).not.toContain('operator="beta"');
    expect((await fetch(`${base}${path}`)).status).toBe(401);
  });

  it("the site's Prometheus scrapes every operator's gauges with METRICS_TOKEN, and only /metrics takes it", async () => {
    const site = { authorization: `Bearer ${metricsToken}` };
    const response = await fetch(`${base}/metrics`, { headers: site });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('pithead_fleet_miners{operator="alpha",state="ok"} 3');
    expect(text).toContain('pithead_fleet_manual_mode{operator="beta"} 1');
    const wrong = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}x` } });
    expect(wrong.status).toBe(401);
    const elsewhere = await fetch(`${base}/operators/beta/miners`, { headers: site });
    expect(elsewhere.status).toBe(401);
  });

  it("a wrong METRICS_TOKEN on /metrics is told the token is wrong, not that the legacy bearer form is off", async () => {
    const wrong = await fetch(`${base}/metrics`, {
      headers: { authorization: "Bearer not-the-site-token-0123456789" },
    });
    expect(wrong.status).toBe(401);
    const { error } = (await wrong.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("AUTH_BAD_SIGNATURE");
    expect(error.message).toContain("the bearer token is not this controller's METRICS_TOKEN");
    expect(error.message).not.toContain("legacy");
    // The seed's form is still told apart, as everywhere else.
    const legacy = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer alpha:${"0".repeat(64)}` } });
    expect(((await legacy.json()) as { error: { message: string } }).error.message).toContain(
      "the legacy 'Authorization: Bearer <operatorId>:<hmac>' form is disabled",
    );
  });

  it("serves a miner's history for the charts", async () => {
    clock.advance(30_000);
    await call("POST", "/operators/alpha/loop/run-once");
    const miner = simulator.endpoints()[2]?.id as string;
    const history = await call("GET", `/operators/alpha/miners/${miner}/history?limit=10`);
    const points = history.body.points as {
      hashrateThs: number;
      maxChipTempC: number;
      marginUsdPerDay: number;
      action: string;
    }[];
    expect(points.length).toBe(2);
    for (const point of points) {
      expect(point.hashrateThs).toBeGreaterThan(50);
      expect(point.maxChipTempC).toBeGreaterThan(40);
      expect(point.marginUsdPerDay).toEqual(expect.any(Number));
      expect(point.action).toBe("HOLD");
    }
  });

  it("filters decisions by action and profits by cycle, with the other filters and paging, on both route forms", async () => {
    type Listed = { seq: number; body: { action?: string; minerId: string | null; cycle: number | null } };
    const list = async (path: string) => {
      const response = await call("GET", path);
      expect(response.status).toBe(200);
      return {
        records: response.body.records as Listed[],
        next: response.body.nextBefore as number | null,
        nextAfter: response.body.nextAfter as number | null,
      };
    };
    // Enough cycles and manual commands that both HOLDs and actions are there, and several cycles.
    for (let cycle = 0; cycle < 3; cycle++) await call("POST", "/operators/alpha/loop/run-once");
    const rig = simulator.endpoints()[0]?.id as string;
    await call("POST", `/operators/alpha/miners/${rig}/restart`, { body: { reason: "filter test" } });
    clock.advance(60_000);
    await call("POST", "/operators/alpha/loop/run-once");
    const all = (await list("/operators/alpha/ledger/decisions?limit=500")).records;
    const actions = all.filter((record) => record.body.action !== "HOLD");
    expect(actions.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(actions.length);

    for (const prefix of ["/operators/alpha", ""]) {
      const filtered = await list(`${prefix}/ledger/decisions?limit=500&action=RUN,STOP,RESTART`);
      expect(filtered.records.map((record) => record.seq)).toEqual(actions.map((record) => record.seq));
      expect(filtered.next).toBeNull();
    }
    const holds = await list("/operators/alpha/ledger/decisions?limit=500&action=HOLD");
    expect(holds.records.map((record) => record.seq)).toEqual(
      all.filter((record) => record.body.action === "HOLD").map((record) => record.seq),
    );
    const restarts = await list(`/operators/alpha/ledger/decisions?limit=500&action=RESTART&minerId=${rig}`);
    expect(restarts.records.length).toBeGreaterThan(0);
    expect(restarts.records.every((record) => record.body.action === "RESTART" && record.body.minerId === rig)).toBe(
      true,
    );
    // Paging one at a time with `before` walks the same actions.
    const paged: number[] = [];
    for (let before: number | null | undefined; before !== null; ) {
      const page = await list(
        `/operators/alpha/ledger/decisions?limit=1&action=STOP,RESTART,RUN${before === undefined ? "" : `&before=${before}`}`,
      );
      paged.push(...page.records.map((record) => record.seq));
      before = page.next;
    }
    expect(paged).toEqual(actions.map((record) => record.seq));

    // `after` with the answer's nextAfter: only what was recorded since.
    const seen = await list("/operators/alpha/ledger/decisions?limit=500&action=RUN,STOP,RESTART");
    expect(seen.nextAfter).toBeGreaterThanOrEqual(all[0]?.seq ?? Number.POSITIVE_INFINITY);
    expect((await list(`/ledger/decisions?action=RUN,STOP,RESTART&after=${seen.nextAfter}`)).records).toEqual([]);
    clock.advance(3_600_000);
    await call("POST", `/operators/alpha/miners/${rig}/restart`, { body: { reason: "filter test, again" } });
    await call("POST", "/operators/alpha/loop/run-once");
    const since = await list(`/ledger/decisions?action=RUN,STOP,RESTART&after=${seen.nextAfter}`);
    expect(since.records.map((record) => [record.body.action, record.body.minerId])).toEqual([["RESTART", rig]]);
    expect(since.nextAfter).toBeGreaterThan(seen.nextAfter ?? 0);

    const bad = await call("GET", "/operators/alpha/ledger/decisions?action=RUN,PAUSE");
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      message: 'querystring.action must be a comma-separated list of RUN, STOP, RESTART, HOLD (got "PAUSE")',
      details: { field: "querystring.action" },
    });
    expect((await call("GET", "/ledger/decisions?action=")).status).toBe(422);

    // Profits of one cycle: the newest, and one with cycles after it.
    const cycles = (await list("/operators/alpha/ledger/cycles?limit=3")).records.map((record) => record.seq);
    const profits = (await list("/operators/alpha/ledger/profits?limit=500")).records;
    for (const cycle of cycles) {
      const expected = profits.filter((record) => record.body.cycle === cycle).map((record) => record.seq);
      expect(expected.length).toBeGreaterThan(0);
      for (const prefix of ["/operators/alpha", ""]) {
        const ofCycle = await list(`${prefix}/ledger/profits?limit=500&cycle=${cycle}`);
        expect(ofCycle.records.map((record) => record.seq)).toEqual(expected);
      }
      const one = profits.find((record) => record.body.cycle === cycle && record.body.minerId !== null);
      const mine = await list(`/operators/alpha/ledger/profits?cycle=${cycle}&minerId=${one?.body.minerId}`);
      expect(mine.records.map((record) => record.seq)).toEqual([one?.seq]);
    }
    const latest = (await list("/operators/alpha/ledger/decisions?limit=500")).records;
    expect(
      (await list(`/operators/alpha/ledger/decisions?cycle=${cycles[0]}&action=HOLD`)).records.map((r) => r.seq),
    ).toEqual(latest.filter((r) => r.body.cycle === cycles[0] && r.body.action === "HOLD").map((r) => r.seq));
    // Past the end of the ledger, up to the largest integer taken: nothing, not an error.
    expect((await list("/operators/alpha/ledger/decisions?after=9007199254740991&action=HOLD")).records).toEqual([]);
    // A cycle that is not there, or a seq that is not a cycle's: a 404 naming the parameter, not an
    // empty page that reads as "that cycle recorded nothing".
    for (const cycle of [9007199254740991, all[0]?.seq]) {
      const missing = await call("GET", `/operators/alpha/ledger/profits?cycle=${cycle}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({
        code: "UNKNOWN_CYCLE",
        details: { field: "querystring.cycle", cycle },
      });
      expect(missing.body.error?.message).toMatch(/^querystring\.cycle must be the seq of a fleet\.cycle record: /);
    }
  });

  it("answers the QA's polish findings plainly: one wording for an unknown miner, a repeated query field, a GET signed with a body", async () => {
    const expected = "no miner 'nope' in this operator's fleet";
    for (const [method, path] of [
      ["GET", "/operators/alpha/miners/nope"],
      ["GET", "/operators/alpha/miners/nope/history"],
      ["POST", "/operators/alpha/miners/nope/stop"],
    ] as const) {
      const response = await call(method, path);
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({ code: "UNKNOWN_MINER", message: expected });
    }
    const twice = await call("GET", "/operators/alpha/ledger/decisions?limit=1&limit=2");
    expect(twice.status).toBe(422);
    expect(twice.body.error?.message).toBe('querystring.limit was given 2 times ("1", "2"): give it once');
    // Signed over a body that a GET never sends (fetch refuses a GET body): told what to sign.
    const path = "/operators/alpha/miners";
    const headers = await signFleetRequest({
      operatorId: "alpha",
      secret: secrets.alpha,
      method: "GET",
      path,
      body: "{}",
      now: clock.now(),
    });
    const withBody = await fetch(`${base}${path}`, { headers });
    expect(withBody.status).toBe(401);
    expect(((await withBody.json()) as { error: { message: string } }).error.message).toContain(
      "a GET request has no body: bodies are not read or signed on GET",
    );
  });

  it("the configuration record names each miner's address, so a moved miner leaves evidence", async () => {
    const configs = await call("GET", "/operators/alpha/ledger/configs?limit=1");
    const [latest] = configs.body.records as { body: { miners: number; minerAddresses: Record<string, string> } }[];
    const endpoints = simulator.endpoints().slice(0, 3);
    expect(latest?.body.miners).toBe(3);
    expect(latest?.body.minerAddresses).toEqual(
      Object.fromEntries(endpoints.map((miner) => [miner.id, `${miner.host}:${miner.port}`])),
    );
  });
});

describe("fleet API with AUTH_DISABLED", () => {
  it("serves the aliases without credentials for one operator, and asks for the operator when there are several", async () => {
    const single = await createFleetServer({
      controllers: new Map([["alpha", controllers.get("alpha") as OperatorController]]),
      ledger: store.ledger,
      clock,
      auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
      logger: false,
    });
    const several = await createFleetServer({
      controllers,
      ledger: store.ledger,
      clock,
      auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
      logger: false,
    });
    try {
      expect((await single.inject({ method: "GET", url: "/miners" })).json()).toMatchObject({ operatorId: "alpha" });
      const ambiguous = await several.inject({ method: "GET", url: "/miners" });
      expect(ambiguous.statusCode).toBe(400);
      expect(ambiguous.json()).toMatchObject({ error: { code: "AMBIGUOUS_OPERATOR" } });
    } finally {
      await single.close();
      await several.close();
    }
  });
});
