// The signature comparison must go through crypto.timingSafeEqual (constant time), never `===`.

import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const { RequestVerifier } = await import("./verify.ts");
const { signFleetRequest } = await import("./sign.ts");

describe("timing-safe signature comparison", () => {
  it("compares the presented signature with the expected one using timingSafeEqual", async () => {
    const now = Date.UTC(2026, 0, 1);
    const headers = await signFleetRequest({
      operatorId: "alpha",
      secret: "alpha-secret-0123456789",
      method: "GET",
      path: "/miners",
      now,
    });
    const forgedHex = "f".repeat(64);
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const verifier = new RequestVerifier({
      secrets: new Map([["alpha", "alpha-secret-0123456789"]]),
      maxSkewMs: 60_000,
      legacyBearer: false,
    });
    const result = verifier.verify({
      method: "GET",
      path: "/miners",
      headers: { ...headers, "x-pithead-signature": `v1=${forgedHex}` },
      body: Buffer.alloc(0),
      nowMs: now,
    });
    expect(result).toMatchObject({ ok: false, failure: "AUTH_BAD_SIGNATURE" });
    const compared = spy.mock.calls.map(([left, right]) => [
      Buffer.from(left as Uint8Array).toString(),
      Buffer.from(right as Uint8Array).toString(),
    ]);
    // The forged signature was compared with the expected HMAC in constant time.
    expect(compared.some(([left, right]) => right === forgedHex && left?.length === 64 && left !== forgedHex)).toBe(
      true,
    );
  });
});
