// Long-polls and server-sent events over real HTTP (fetch against a listening coordinator).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEventStream } from "../src/client.ts";
import { items, sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

/** Rejects if `promise` has not settled within `ms`: a bound on a hang, not a timing assertion. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

async function waiting(count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const health = await coordinator.call("GET", "/health");
    if (Number(health.body.waiting_miners) === count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never saw ${count} waiting miners`);
}

describe("long-poll", () => {
  it("holds GET /v1/miner/next?wait= and answers the moment a matching job is queued", async () => {
    const miner = await coordinator.miner("lp-1", { capabilities: { workloads: ["lp_work"] } });
    const client = await coordinator.client();
    const poll = coordinator.call("GET", "/v1/miner/next?miner=lp-1&wait=30", { key: miner.key });
    await waiting(1);
    const submitted = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "lp_work", reward: 1 },
    });
    // SQLite has no backstop poll: only the in-process wake-up on submit can answer this.
    const answered = await within(poll, 10_000, "the long-poll");
    expect(answered.status).toBe(200);
    expect(answered.body.id).toBe(submitted.body.id);
    await waiting(0);
  });

  it("answers 204 at the deadline when nothing comes", async () => {
    const miner = await coordinator.miner("lp-2", { capabilities: { workloads: ["nothing_comes"] } });
    const reply = await within(
      coordinator.call("GET", "/v1/miner/next?miner=lp-2&wait=1", { key: miner.key }),
      10_000,
      "wait=1",
    );
    expect(reply.status).toBe(204);
  });

  it("wakes each of several waiting miners with its own job, never one job twice", async () => {
    const client = await coordinator.client();
    const miners = await Promise.all(
      [0, 1, 2].map((i) => coordinator.miner(`lp-many-${i}`, { capabilities: { workloads: ["many_work"] } })),
    );
    const polls = miners.map((m) =>
      coordinator.call("POST", "/v1/miner/claim", {
        key: m.key,
        body: { miner_id: m.minerId, max_jobs: 1, wait_s: 30 },
      }),
    );
    await waiting(3);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload: "many_work", reward: 1 } }))
          .body.id,
      );
    }
    const replies = await within(Promise.all(polls), 10_000, "three long-polls");
    const got = replies.flatMap((reply) => items(reply.body.jobs).map((job) => job.id));
    expect(got.sort()).toEqual([...ids].sort());
  });

  it("gives back a job claimed for a long-poll whose client went away", async () => {
    const miner = await coordinator.miner("lp-gone", { capabilities: { workloads: ["gone_work"] } });
    const controller = new AbortController();
    const poll = fetch(`${coordinator.url}/v1/miner/next?miner=lp-gone&wait=30`, {
      headers: { authorization: `Bearer ${miner.key}` },
      signal: controller.signal,
    }).catch(() => undefined);
    await waiting(1);
    controller.abort();
    await poll;
    await waiting(0);
    const client = await coordinator.client();
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "gone_work", reward: 1 },
    });
    const next = await coordinator.call("GET", "/v1/miner/next?miner=lp-gone", { key: miner.key });
    expect(next.body.id).toBe(job.body.id);
  });
});

describe("server-sent events", () => {
  it("streams a job's state changes and ends the stream when it is final", async () => {
    const client = await coordinator.client();
    const miner = await coordinator.miner("sse-miner", { capabilities: { workloads: ["sse_work"] } });
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "sse_work", reward: 10 },
    });
    const jobId = String(job.body.id);
    const response = await fetch(`${coordinator.url}/v1/jobs/${jobId}/events`, {
      headers: { authorization: `Bearer ${client.key}` },
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events: { event: string; data: { state: string; version: number } }[] = [];
    const done = readEventStream(response.body as ReadableStream<Uint8Array>, (event) => {
      events.push(event as (typeof events)[number]);
    });
    await coordinator.call("GET", "/v1/miner/next?miner=sse-miner", { key: miner.key });
    await coordinator.call("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: sha256("r"), metrics: {} },
    });
    await within(done, 10_000, "the event stream");
    expect(events.map((event) => event.data.state)).toEqual(["QUEUED", "LEASED", "COMPLETED"]);
    expect(events.map((event) => event.data.version)).toEqual([1, 2, 3]);
  });

  it("streams /v1/events: a client sees only its own jobs, an admin every job", async () => {
    const alice = await coordinator.client();
    const bob = await coordinator.client();
    const open = async (key: string) => {
      const controller = new AbortController();
      const seen: string[] = [];
      const response = await fetch(`${coordinator.url}/v1/events`, {
        headers: { authorization: `Bearer ${key}` },
        signal: controller.signal,
      });
      let ready: () => void = () => {};
      const isReady = new Promise<void>((resolve) => {
        ready = resolve;
      });
      const reading = readEventStream(response.body as ReadableStream<Uint8Array>, ({ event, data }) => {
        if (event === "ready") ready();
        else seen.push((data as { job_id: string }).job_id);
      }).catch(() => {});
      await isReady;
      return {
        seen,
        close: async () => {
          controller.abort();
          await reading;
        },
      };
    };
    const aliceStream = await open(alice.key);
    const adminStream = await open(coordinator.adminKey);
    const a = await coordinator.call("POST", "/v1/jobs", { key: alice.key, body: { workload: "ev_work", reward: 1 } });
    const b = await coordinator.call("POST", "/v1/jobs", { key: bob.key, body: { workload: "ev_work", reward: 1 } });
    await coordinator.call("POST", `/v1/jobs/${a.body.id}/cancel`, { key: alice.key });
    // The admin stream saw all three changes: by then the client stream has had its chance too.
    for (let i = 0; i < 200 && adminStream.seen.length < 3; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(adminStream.seen).toEqual([a.body.id, b.body.id, a.body.id]);
    expect(aliceStream.seen).toEqual([a.body.id, a.body.id]);
    await aliceStream.close();
    await adminStream.close();
  });

  it("refuses another client's job stream with 404", async () => {
    const alice = await coordinator.client();
    const bob = await coordinator.client();
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: alice.key,
      body: { workload: "ev_work", reward: 1 },
    });
    const reply = await coordinator.call("GET", `/v1/jobs/${job.body.id}/events`, { key: bob.key });
    expect(reply.status).toBe(404);
    expect(reply.body.error?.code).toBe("JOB_NOT_FOUND");
  });
});
