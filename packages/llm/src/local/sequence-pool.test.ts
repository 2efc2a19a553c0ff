import { describe, expect, it } from "vitest";
import { isLlmError } from "../errors.ts";
import { createSequencePool } from "./sequence-pool.ts";

describe("sequence pool", () => {
  it("creates resources lazily up to its size and reuses released ones", async () => {
    let created = 0;
    const pool = createSequencePool({ size: 2, maxQueue: 0, create: (i) => ({ id: i, n: ++created }) });
    const a = await pool.acquire();
    a.release();
    const b = await pool.acquire();
    expect(b.resource).toBe(a.resource);
    const c = await pool.acquire();
    expect(created).toBe(2);
    expect(pool.inUse).toBe(2);
    b.release();
    c.release();
    expect(pool.inUse).toBe(0);
  });

  it("hands released resources to waiters in arrival order", async () => {
    const pool = createSequencePool({ size: 1, maxQueue: 5, create: (i) => i });
    const first = await pool.acquire();
    const order: string[] = [];
    const second = pool.acquire().then((lease) => {
      order.push("second");
      return lease;
    });
    const third = pool.acquire().then((lease) => {
      order.push("third");
      lease.release();
    });
    expect(pool.queued).toBe(2);
    first.release();
    (await second).release();
    await third;
    expect(order).toEqual(["second", "third"]);
  });

  it("refuses with QUEUE_FULL past its bound instead of queueing without limit", async () => {
    const pool = createSequencePool({ size: 1, maxQueue: 1, create: (i) => i });
    await pool.acquire();
    void pool.acquire();
    const refused = await pool.acquire().catch((error: unknown) => error);
    expect(isLlmError(refused, "QUEUE_FULL")).toBe(true);
    expect((refused as Error).message).toMatch(/all 1 sequences are busy and 1 requests are already waiting/);
  });

  it("drops an aborted waiter from the queue so it never takes a resource", async () => {
    const pool = createSequencePool({ size: 1, maxQueue: 2, create: (i) => i });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort(new Error("caller gave up"));
    await expect(waiting).rejects.toThrow("caller gave up");
    expect(pool.queued).toBe(0);
    held.release();
    expect(pool.inUse).toBe(0);
  });

  it("rejects waiters and new requests once closed; releasing twice is harmless", async () => {
    const pool = createSequencePool({ size: 1, maxQueue: 2, create: (i) => i });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    pool.close(new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    await expect(pool.acquire()).rejects.toThrow("closed");
    held.release();
    held.release();
    expect(pool.inUse).toBe(0);
  });
});
