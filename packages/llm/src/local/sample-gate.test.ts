// The gate on a stand-in for node-llama-cpp's native context: the first sample after each
// decode runs alone, the rest of that step's samples run together after it. (The race it
// prevents is shown on the real model in test/concurrent-answers.test.ts.)

import type { LlamaContext } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { gateFirstSampleAfterDecode } from "./sample-gate.ts";

function fakeContext() {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  class NativeContext {
    async decodeBatch() {
      log.push("decode");
    }
    sampleToken(index: number) {
      log.push(`start ${index}`);
      return new Promise<number>((resolve) =>
        pending.push(() => {
          log.push(`end ${index}`);
          resolve(index);
        }),
      );
    }
  }
  // Like the addon's methods: read-only on the prototype.
  for (const name of ["decodeBatch", "sampleToken"] as const) {
    Object.defineProperty(NativeContext.prototype, name, { writable: false });
  }
  const native = new NativeContext();
  const finishOne = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    pending.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { context: { _ctx: native } as unknown as LlamaContext, native, log, finishOne };
}

describe("gateFirstSampleAfterDecode", () => {
  it("runs the first sample after a decode alone, then the step's others together", async () => {
    const { context, native, log, finishOne } = fakeContext();
    gateFirstSampleAfterDecode(context);
    for (let step = 0; step < 2; step++) {
      log.length = 0;
      await native.decodeBatch();
      const samples = [0, 1, 2].map((i) => native.sampleToken(i));
      await finishOne();
      expect(log).toEqual(["decode", "start 0", "end 0", "start 1", "start 2"]);
      await finishOne();
      await finishOne();
      expect(await Promise.all(samples)).toEqual([0, 1, 2]);
    }
  });

  it("refuses a context whose native object has changed shape, instead of running ungated", () => {
    expect(() => gateFirstSampleAfterDecode({ _ctx: {} } as unknown as LlamaContext)).toThrow(/sampleToken/);
  });
});
