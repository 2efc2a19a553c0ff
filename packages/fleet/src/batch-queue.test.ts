import { describe, expect, it } from "vitest";
import { BatchQueue } from "./batch-queue.ts";

describe("work batched per turn of the event loop", () => {
  it("runs the work queued in one turn together, in order, on the next turn", async () => {
    const queue = new BatchQueue();
    const order: string[] = [];
    const results = Promise.all(
      ["a", "b", "c"].map((name) =>
        queue.run(() => {
          order.push(name);
          return name.toUpperCase();
        }),
      ),
    );
    order.push("queued");
    expect(await results).toEqual(["A", "B", "C"]);
    expect(order).toEqual(["queued", "a", "b", "c"]);
  });

  it("a task that throws rejects its own promise only", async () => {
    const queue = new BatchQueue();
    const failing = queue.run(() => {
      throw new Error("bad reply");
    });
    const fine = queue.run(() => 42);
    await expect(failing).rejects.toThrow("bad reply");
    expect(await fine).toBe(42);
  });
});
