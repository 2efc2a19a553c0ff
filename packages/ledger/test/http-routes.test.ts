// The HTTP routes, inside a host that authenticates and restricts partitions as a service would.
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Ledger,
  ledgerRoutes,
  openLedger,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";

const signer = testSigner("pithead.test/http");
const dir = tempDir();
let ledger: Ledger;
let app: FastifyInstance;

beforeAll(async () => {
  ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
  for (let i = 0; i < 30; i++) await ledger.append("fleet/op-1", i % 2 ? "fleet.decision" : "fleet.telemetry", { i });
  await ledger.checkpoint("fleet/op-1");
  for (let i = 30; i < 35; i++) await ledger.append("fleet/op-1", "fleet.decision", { i });
  await ledger.checkpoint("fleet/op-1");
  await ledger.append("fleet/op-1", "fleet.decision", { i: 35 });
  await ledger.append("fleet/op-2", "fleet.decision", { secret: true });
  app = Fastify();
  // The host's own authentication: the plugin is auth-agnostic and inherits it.
  app.addHook("preHandler", async (request, reply) => {
    if (request.headers.authorization !== "Bearer op-1") await reply.code(401).send({ message: "who are you?" });
  });
  await app.register(ledgerRoutes, { ledger, prefix: "/v1", partitions: () => ["fleet/op-1"] });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await ledger?.close();
  dir[Symbol.dispose]();
});

const get = async (url: string, auth = "Bearer op-1") => {
  const response = await app.inject({ method: "GET", url, headers: { authorization: auth } });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
};

describe("ledger HTTP routes", () => {
  it("serve the latest signed checkpoint with the verifier key; the only allowed partition is the default", async () => {
    const { status, body } = await get("/v1/ledger/checkpoint");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      partition: "fleet/op-1",
      size: 35,
      verifierKey: signer.verifierKey,
      origin: "pithead.test/http/fleet/op-1",
    });
    expect(verifyCheckpoint(body.note as string, signer.verifierKey)).toBe(true);
  });

  it("leave authentication to the host", async () => {
    expect((await get("/v1/ledger/checkpoint", "Bearer nobody")).status).toBe(401);
  });

  it("hide partitions the host does not allow, and name bad input", async () => {
    expect((await get("/v1/ledger/checkpoint?partition=fleet/op-2")).status).toBe(404);
    expect((await get("/v1/ledger/records/0?partition=fleet/op-2")).status).toBe(404);
    const bad = await get("/v1/ledger/checkpoint?partition=../etc");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/segments/);
    const seq = await get("/v1/ledger/records/minus-one");
    expect(seq.status).toBe(400);
    expect(seq.body.message).toMatch(/seq/);
    const limit = await get("/v1/ledger/records?limit=5000");
    expect(limit.status).toBe(400);
    expect(limit.body.message).toMatch(/limit/);
  });

  it("page through records with a type filter, both ways", async () => {
    const first = await get("/v1/ledger/records?type=fleet.decision&limit=10");
    const records = first.body.records as { seq: number; type: string }[];
    expect(records.map((r) => r.seq)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect(first.body.next).toBe(20);
    const second = await get(`/v1/ledger/records?type=fleet.decision&limit=100&from=${first.body.next}`);
    expect((second.body.records as { seq: number }[]).at(-1)?.seq).toBe(35);
    expect(second.body.next).toBeNull();
    const newest = await get("/v1/ledger/records?reverse=true&limit=3");
    expect((newest.body.records as { seq: number }[]).map((r) => r.seq)).toEqual([35, 34, 33]);
    expect(newest.body.next).toBe(32);
  });

  it("serve a record with its inclusion proof against the latest checkpoint", async () => {
    const { status, body } = await get("/v1/ledger/records/12");
    expect(status).toBe(200);
    const proof = body.proof as Parameters<typeof verifyInclusion>[0];
    const checkpoint = body.checkpoint as { rootHash: string; size: number; note: string };
    expect(proof.treeSize).toBe(35);
    expect(proof.rootHash).toBe(checkpoint.rootHash);
    expect(proof.recordHash).toBe((body.record as { hash: string }).hash);
    expect(verifyInclusion(proof)).toBe(true);
    // A record newer than the latest checkpoint comes without a proof.
    const fresh = await get("/v1/ledger/records/35");
    expect(fresh.body.proof).toBeNull();
    expect((await get("/v1/ledger/records/99")).status).toBe(404);
  });

  it("serve consistency proofs between sizes", async () => {
    const { body } = await get("/v1/ledger/consistency?from=30");
    expect(body).toMatchObject({ fromSize: 30, toSize: 35 });
    expect(verifyConsistency(body as never)).toBe(true);
    const explicit = await get("/v1/ledger/consistency?from=7&to=36");
    expect(verifyConsistency(explicit.body as never)).toBe(true);
    const wrong = await get("/v1/ledger/consistency?from=40&to=36");
    expect(wrong.status).toBe(400);
    // Named as sent: the query's fields, not the library's parameter names.
    expect(wrong.body.message).toBe("querystring.from: 40 is larger than querystring.to 36");
    expect((await get("/v1/ledger/consistency")).status).toBe(400);
  });

  it("stream an export", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/v1/ledger/export",
      headers: { authorization: "Bearer op-1" },
    });
    expect(response.headers["content-type"]).toMatch(/ndjson/);
    const lines = response.body.trimEnd().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: "pithead-ledger-export",
      partition: "fleet/op-1",
      records: 36,
    });
    expect(lines).toHaveLength(1 + 36 + 2);
  });
});
