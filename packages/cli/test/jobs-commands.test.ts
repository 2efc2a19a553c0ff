// What `pithead jobs` tells the user about a job whose output the result retention removed (the hash,
// when, and how to get the receipt that remains), and that `jobs watch` says when a lost connection
// is back. A stand-in coordinator answers the few routes these commands call, as the real one does.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const JOB = "01a202e5-1f38-72d2-966a-a0639720a295";
const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const REMOVED_AT = "2026-01-03T00:00:00.000Z";

const job = {
  id: JOB,
  state: "COMPLETED",
  workload: "llm_gen",
  params: {},
  constraints: {},
  reward: 10,
  verification: { mode: "none", replicas: 1, quorum: 1 },
  ttl_s: 60,
  max_runtime_s: 60,
  max_attempts: 3,
  attempt: 1,
  client: "w",
  escrow: 0,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:01.000Z",
  start_by: null,
  finished_at: "2026-01-01T00:00:01.000Z",
  output_sha: SHA,
  output_removed_at: REMOVED_AT,
  error: null,
  leases: [
    {
      miner_id: "small-rig",
      state: "FAILED",
      attempt: 1,
      leased_at: "2026-01-01T00:00:00.100Z",
      lease_expires_at: "2026-01-01T00:02:00.100Z",
      output_sha: null,
      verdict: null,
      error: { code: "BAD_PARAMS", message: "the prompt is 60001 tokens but pithead-tiny-260 has room for 16383" },
    },
    {
      miner_id: "m-1",
      state: "ACCEPTED",
      attempt: 2,
      leased_at: "2026-01-01T00:00:00.500Z",
      lease_expires_at: "2026-01-01T00:02:00.500Z",
      output_sha: SHA,
      verdict: "accepted",
      error: null,
    },
  ],
};

const receipt = {
  receipt: {
    receipt_id: "r-1",
    job_id: JOB,
    miner_id: "m-1",
    wallet: "mw",
    client: "w",
    workload: "llm_gen",
    units: 1,
    unit_type: "job",
    reward: 9,
    output_sha: SHA,
    started_at: "2026-01-01T00:00:00.000Z",
    completed_at: "2026-01-01T00:00:01.000Z",
    ledger_seq: 7,
  },
  signature: "c2ln",
  key_id: "k",
  algorithm: "Ed25519",
};

/** Event-stream connections so far: the first ends before the job is final (a coordinator restart). */
let streams = 0;

function answer(request: IncomingMessage, response: ServerResponse): void {
  const send = (status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const path = request.url ?? "";
  if (path === `/v1/jobs/${JOB}`) send(200, job);
  else if (path === `/v1/jobs/${JOB}/receipt`) send(200, receipt);
  else if (path === `/v1/jobs/${JOB}/result`)
    send(410, {
      error: {
        code: "OUTPUT_REMOVED",
        message: "The output was removed",
        details: { job_id: JOB, output_sha: SHA, removed_at: REMOVED_AT },
      },
    });
  else if (path === `/v1/jobs/${JOB}/events`) {
    streams += 1;
    response.writeHead(200, { "content-type": "text/event-stream" });
    const event = (state: string, version: number) =>
      `event: state\ndata: ${JSON.stringify({ state, at: `2026-01-01T00:00:0${version}.000Z`, version })}\n\n`;
    // The first stream ends while the job runs; the next one starts with its current state.
    if (streams === 1) response.end(event("RUNNING", 1));
    else response.end(`${event("RUNNING", 1)}${event("COMPLETED", 2)}`);
  } else send(404, { error: { code: "NOT_FOUND", message: "no such route" } });
}

const server = createServer(answer);
let url: string;
beforeAll(async () => {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const client = { env: { PITHEAD_KEY: "ph_client_test" } };

describe("a job whose output the result retention removed", () => {
  it("jobs get says the output was removed, when, its hash, and how to get the receipt", async () => {
    const ran = await pithead(["jobs", "get", JOB, "--url", url], client);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(
      `output removed ${REMOVED_AT} (the coordinator's result retention); output_sha ${SHA}`,
    );
    expect(ran.stdout).toContain(
      `pithead jobs receipt ${JOB} --url ${url} --json > receipt.json && pithead receipt verify receipt.json`,
    );
    // Each lease, and why one ended without a proof.
    expect(ran.stdout).toContain(
      "  lease 1 small-rig FAILED: BAD_PARAMS the prompt is 60001 tokens but pithead-tiny-260 has room for 16383",
    );
    expect(ran.stdout).toMatch(/ {2}lease 2 m-1 ACCEPTED$/m);
  });

  it("jobs result exits 1 saying the receipt remains, with the hash and when the output went", async () => {
    const ran = await pithead(["jobs", "result", JOB, "--url", url], client);
    expect(ran.code).toBe(1);
    // One error line, as every command's.
    expect(ran.stderr.trim().split("\n")).toEqual([
      `error: job ${JOB} has no output any more [OUTPUT_REMOVED]: output removed ${REMOVED_AT} (the coordinator's result retention); output_sha ${SHA}; its signed receipt remains: pithead jobs receipt ${JOB} --url ${url} --json > receipt.json && pithead receipt verify receipt.json`,
    ]);
  });

  it("jobs receipt prints the signed receipt (--json: the document receipt verify checks)", async () => {
    const [text, json] = await Promise.all([
      pithead(["jobs", "receipt", JOB, "--url", url], client),
      pithead(["jobs", "receipt", JOB, "--url", url, "--json"], client),
    ]);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`receipt r-1 — job ${JOB} paid 9 to mw (miner m-1), output_sha ${SHA}`);
    expect(JSON.parse(json.stdout)).toEqual(receipt);
  });
});

describe("jobs watch", () => {
  it("says when the lost connection is back, and prints each state once", async () => {
    streams = 0;
    const ran = await pithead(["jobs", "watch", JOB, "--url", url], client);
    expect(ran.stderr.trim().split("\n")).toEqual([
      "connection to the coordinator lost; reconnecting…",
      "reconnected to the coordinator",
    ]);
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim().split("\n")).toEqual([
      "2026-01-01T00:00:01.000Z  RUNNING",
      "2026-01-01T00:00:02.000Z  COMPLETED",
    ]);
  });
});
