// A key the coordinator refuses: before, the message blamed a restart ("a stack started again makes
// new keys") for a key that was revoked, and the Jobs page showed it four times (queue, miners,
// wallets, jobs), one per panel the key reads.

import { describe, expect, it } from "vitest";
import { ApiError, refusedKeyErrors, refusedKeyHint } from "../app/api/http.ts";

describe("a refused key", () => {
  it("is said to be revoked or from an earlier start of the stack, naming the key by its public id", () => {
    const hint = refusedKeyHint({ authorization: "Bearer ph_admin_23cd155c88bf_secretsecret" }) ?? "";
    expect(hint).toContain("the admin key 23cd155c88bf was refused");
    expect(hint).toContain("revoked");
    expect(hint).toContain("started again with new keys");
    expect(hint).not.toContain("secretsecret");
  });

  it("says how to get back to the login screen, which a tab holding keys does not show", () => {
    const hint = refusedKeyHint({ "x-api-key": "k" }) ?? "";
    expect(hint).toContain("Forget keys on the Connections page, then enter the login code pithead up printed");
  });

  it("names a fleet operator's secret refused (a bad signature, an unknown operator), not a clock or a replay", () => {
    const signed = { "x-pithead-operator": "default", "x-pithead-signature": "v1=abc" };
    const hint = refusedKeyHint(signed, "AUTH_BAD_SIGNATURE") ?? "";
    expect(hint).toContain("the secret this tab holds for operator default was refused");
    expect(hint).toContain("started again with new keys");
    expect(hint).not.toContain("abc");
    expect(refusedKeyHint(signed, "AUTH_UNKNOWN_OPERATOR")).toBe(hint);
    expect(refusedKeyHint(signed, "AUTH_STALE_TIMESTAMP")).toBeUndefined();
    expect(refusedKeyHint(signed, "AUTH_REPLAYED_NONCE")).toBeUndefined();
  });

  it("is one message for every panel the same key failed, and one per key refused", () => {
    const refused = (id: string) =>
      new ApiError("coordinator", 401, "UNAUTHORIZED", `Unknown or revoked API key: the admin key ${id} was refused`);
    const down = new ApiError("coordinator", 502, "UPSTREAM_DOWN", "down");
    const errors = [refused("a"), refused("a"), undefined, refused("a"), down, refused("a")];
    expect(refusedKeyErrors(errors).map((error) => error.message)).toEqual([
      "Unknown or revoked API key: the admin key a was refused",
    ]);
    expect(refusedKeyErrors([refused("a"), refused("b"), down])).toHaveLength(2);
    expect(refusedKeyErrors([down, undefined])).toEqual([]);
  });
});
