// Keeps concurrent sequences from reading each other's logits.
//
// After a decode of several sequences, node-llama-cpp 3.21.1 samples every sequence's next
// token at once, one libuv worker thread each (`AddonContext.sampleToken`). llama.cpp puts a
// multi-sequence batch's outputs in order lazily: the first logits read after a decode
// applies the pending row swaps (`llama_context::output_reorder`, called from
// `llama_get_logits_ith` and its `sampled_*` siblings), without a lock. Two threads in it
// at once swap rows twice or read a row mid-swap, so a sequence samples from another
// sequence's logits: skipped, repeated or foreign tokens in concurrent answers, and in a real
// model one conversation's text in another's. The swaps exist when the batch was split
// out of order (one sequence's prompt decoded beside others' next tokens), so it is
// intermittent.
//
// The gate lets the first sample after each decode run alone: it applies the swaps, and the
// other samples of that step, which then find none pending, run in parallel as before.
// Nothing else reads logits between a decode and its samples (node-llama-cpp holds the
// context's lock across both), so no sampling is serialised beyond that first one.
//
// It wraps methods of node-llama-cpp's internal native context (`context._ctx`), so the
// version is pinned; the wrap fails loudly if that object changes shape.

import type { LlamaContext } from "node-llama-cpp";

type NativeCall = (...args: unknown[]) => unknown;

interface NativeContext {
  decodeBatch: NativeCall;
  sampleToken: NativeCall;
}

function nativeContextOf(context: LlamaContext): NativeContext {
  const native = (context as unknown as { _ctx?: Partial<NativeContext> })._ctx;
  if (typeof native?.decodeBatch !== "function" || typeof native.sampleToken !== "function") {
    throw new Error(
      "node-llama-cpp's context no longer has _ctx.decodeBatch/_ctx.sampleToken; check whether the concurrent-sampling race in sample-gate.ts is fixed in this version and update the gate",
    );
  }
  return native as NativeContext;
}

/** Wraps `context`'s native decode and sample calls so the first sample after a decode runs alone. */
export function gateFirstSampleAfterDecode(context: LlamaContext): void {
  const native = nativeContextOf(context);
  const decode = native.decodeBatch.bind(native);
  const sample = native.sampleToken.bind(native);
  // True from a decode's end until the first sample after it starts.
  let reorderPending = false;
  // That first sample while it runs; the step's other samples wait for it.
  let first: Promise<unknown> | undefined;

  const gatedDecode: NativeCall = async (...args) => {
    try {
      return await decode(...args);
    } finally {
      reorderPending = true;
    }
  };
  const gatedSample: NativeCall = (...args) => {
    if (reorderPending) {
      reorderPending = false;
      const running = new Promise((resolve) => resolve(sample(...args)));
      first = running;
      const clear = () => {
        if (first === running) first = undefined;
      };
      running.then(clear, clear);
      return running;
    }
    if (first !== undefined) {
      const after = () => sample(...args);
      return first.then(after, after);
    }
    return sample(...args);
  };
  // The native methods are read-only on the prototype; own properties shadow them.
  Object.defineProperty(native, "decodeBatch", { value: gatedDecode, configurable: true });
  Object.defineProperty(native, "sampleToken", { value: gatedSample, configurable: true });
}
