import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalRequest, signFleetRequest } from "./sign.ts";
import { RequestVerifier } from "./verify.ts";

const secrets = new Map([
  ["alpha", "alpha-secret-0123456789"],
  ["beta", "beta-secret-9876543210"],
]);
const now = Date.UTC(2026, 0, 1, 12);

function verifier(legacyBearer = false) {
  return new RequestVerifier({ secrets, maxSkewMs: 60_000, legacyBearer });
}

async function signed(
  overrides: {
    operatorId?: string;
    secret?: string;
    method?: string;
    path?: string;
    body?: string;
    now?: number;
    nonce?: string;
  } = {},
) {
  const body = overrides.body;
  const headers = await signFleetRequest({
    operatorId: overrides.operatorId ?? "alpha",
    secret: overrides.secret ?? "alpha-secret-0123456789",
    method: overrides.method ?? "POST",
    path: overrides.path ?? "/operators/alpha/miners/m1/stop",
    body,
    now: overrides.now ?? now,
    nonce: overrides.nonce,
  });
  return { headers, body: Buffer.from(body ?? "", "utf8") };
}

describe("signed requests", () => {
  it("accepts a correctly signed request once", async () => {
    const request = await signed({ body: '{"reason":"maintenance"}' });
    const result = verifier().verify({
      method: "POST",
      path: "/operators/alpha/miners/m1/stop",
      headers: request.headers,
      body: request.body,
      nowMs: now + 5_000,
    });
    expect(result).toEqual({ ok: true, operatorId: "alpha", scheme: "hmac-v1" });
  });

  it("signs exactly the documented canonical string", async () => {
    const request = await signed({ method: "get", path: "/miners?limit=5", nonce: "0123456789abcdef0123" });
    const canonical = canonicalRequest({
      operatorId: "alpha",
      method: "GET",
      path: "/miners?limit=5",
      timestamp: String(now),
      nonce: "0123456789abcdef0123",
      contentSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    });
    expect(canonical).toBe(
      `PITHEAD-HMAC-SHA256-V1\nalpha\nGET\n/miners?limit=5\n${now}\n0123456789abcdef0123\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`,
    );
    expect(request.headers["x-pithead-signature"]).toBe(
      `v1=${createHmac("sha256", "alpha-secret-0123456789").update(canonical).digest("hex")}`,
    );
  });

  it("refuses a replayed request (same nonce twice)", async () => {
    const v = verifier();
    const request = await signed();
    const input = {
      method: "POST",
      path: "/operators/alpha/miners/m1/stop",
      headers: request.headers,
      body: request.body,
      nowMs: now,
    };
    expect(v.verify(input).ok).toBe(true);
    expect(v.verify({ ...input, nowMs: now + 1_000 })).toMatchObject({ ok: false, failure: "AUTH_REPLAYED_NONCE" });
  });

  it("refuses a request whose body was changed after signing", async () => {
    const request = await signed({ body: '{"reason":"maintenance"}' });
    const result = verifier().verify({
      method: "POST",
      path: "/operators/alpha/miners/m1/stop",
      headers: request.headers,
      body: Buffer.from('{"reason":"sabotage"}'),
      nowMs: now,
    });
    expect(result).toMatchObject({ ok: false, failure: "AUTH_BODY_MISMATCH" });
  });

  it("refuses a body hash header changed to match a new body (the signature covers it)", async () => {
    const request = await signed({ body: '{"reason":"a"}' });
    const other = await signed({ body: '{"reason":"b"}' });
    const headers = {
      ...request.headers,
      "x-pithead-content-sha256": other.headers["x-pithead-content-sha256"] as string,
    };
    const result = verifier().verify({
      method: "POST",
      path: "/operators/alpha/miners/m1/stop",
      headers,
      body: Buffer.from('{"reason":"b"}'),
      nowMs: now,
    });
    expect(result).toMatchObject({ ok: false, failure: "AUTH_BAD_SIGNATURE" });
  });

  it("refuses a request sent to another path, another method or with another query", async () => {
    const request = await signed({ path: "/operators/alpha/miners/m1/stop" });
    for (const [method, path] of [
      ["POST", "/operators/alpha/miners/m2/stop"],
      ["POST", "/operators/alpha/miners/m1/restart"],
      ["GET", "/operators/alpha/miners/m1/stop"],
      ["POST", "/operators/alpha/miners/m1/stop?force=1"],
    ]) {
      expect(
        verifier().verify({
          method: method as string,
          path: path as string,
          headers: request.headers,
          body: request.body,
          nowMs: now,
        }),
      ).toMatchObject({ ok: false, failure: "AUTH_BAD_SIGNATURE" });
    }
  });

  it("refuses a timestamp more than 60 s from the server's clock, either way", async () => {
    for (const skew of [61_000, -61_000]) {
      const request = await signed({ now: now + skew });
      expect(
        verifier().verify({
          method: "POST",
          path: "/operators/alpha/miners/m1/stop",
          headers: request.headers,
          body: request.body,
          nowMs: now,
        }),
      ).toMatchObject({ ok: false, failure: "AUTH_STALE_TIMESTAMP" });
    }
    const fresh = await signed({ now: now - 59_000 });
    expect(
      verifier().verify({
        method: "POST",
        path: "/operators/alpha/miners/m1/stop",
        headers: fresh.headers,
        body: fresh.body,
        nowMs: now,
      }).ok,
    ).toBe(true);
  });

  it("says the timestamp is milliseconds since the epoch when it looks like seconds, microseconds or nanoseconds", async () => {
    const cases = [
      { unit: "seconds", stamp: Math.floor(now / 1000), failure: "AUTH_STALE_TIMESTAMP" },
      { unit: "microseconds", stamp: now * 1000, failure: "AUTH_STALE_TIMESTAMP" },
      { unit: "nanoseconds", stamp: now * 1_000_000, failure: "AUTH_MALFORMED" },
    ];
    for (const { unit, stamp, failure } of cases) {
      const request = await signed({ now: stamp });
      const result = verifier().verify({
        method: "POST",
        path: "/operators/alpha/miners/m1/stop",
        headers: request.headers,
        body: request.body,
        nowMs: now,
      });
      expect(result).toMatchObject({ ok: false, failure });
      expect((result as { message: string }).message).toContain(
        `x-pithead-timestamp ${stamp} looks like ${unit} since the epoch: it must be milliseconds since the epoch`,
      );
    }
    // A millisecond timestamp that is merely too old gets no unit hint.
    const stale = await signed({ now: now - 3_600_000 });
    const result = verifier().verify({
      method: "POST",
      path: "/operators/alpha/miners/m1/stop",
      headers: stale.headers,
      body: stale.body,
      nowMs: now,
    });
    expect(result).toMatchObject({
      failure: "AUTH_STALE_TIMESTAMP",
      message: "timestamp is 3600 s away from the server's clock (at most 60 s)",
    });
  });

  it("refuses a change signed before the controller started (a replay across a restart), not a read", async () => {
    // The process before this one may have seen this nonce: its memory of nonces is gone.
    const restarted = new RequestVerifier({
      secrets,
      maxSkewMs: 60_000,
      legacyBearer: false,
      startedAtMs: now + 10_000,
    });
    const before = await signed({ body: '{"reason":"maintenance"}' });
    const input = { method: "POST", path: "/operators/alpha/miners/m1/stop", nowMs: now + 20_000 };
    expect(restarted.verify({ ...input, headers: before.headers, body: before.body })).toMatchObject({
      ok: false,
      failure: "AUTH_STALE_TIMESTAMP",
      message: expect.stringContaining("signed before this controller (re)started"),
    });
    const after = await signed({ body: '{"reason":"maintenance"}', now: now + 15_000 });
    expect(restarted.verify({ ...input, headers: after.headers, body: after.body })).toMatchObject({ ok: true });
    const read = await signed({ method: "GET", path: "/operators/alpha/miners" });
    expect(
      restarted.verify({
        method: "GET",
        path: "/operators/alpha/miners",
        headers: read.headers,
        body: read.body,
        nowMs: now + 20_000,
      }),
    ).toMatchObject({ ok: true });
  });

  it("refuses another operator's secret under this operator's id", async () => {
    const request = await signed({ operatorId: "alpha", secret: "beta-secret-9876543210" });
    expect(
      verifier().verify({
        method: "POST",
        path: "/operators/alpha/miners/m1/stop",
        headers: request.headers,
        body: request.body,
        nowMs: now,
      }),
    ).toMatchObject({ ok: false, failure: "AUTH_BAD_SIGNATURE" });
  });

  it("names what is missing or malformed", async () => {
    const request = await signed();
    const base = { method: "POST", path: "/operators/alpha/miners/m1/stop", body: request.body, nowMs: now };
    // An unsigned caller is told how to sign: the CLI prints the headers for curl.
    expect(verifier().verify({ ...base, headers: {} })).toMatchObject({
      failure: "AUTH_MISSING",
      message: expect.stringMatching(/^missing x-pithead-signature header: .*pithead fleet sign --operator/),
    });
    const { "x-pithead-nonce": _, ...noNonce } = request.headers;
    expect(verifier().verify({ ...base, headers: noNonce })).toMatchObject({
      failure: "AUTH_MISSING",
      message: "missing x-pithead-nonce header",
    });
    expect(
      verifier().verify({ ...base, headers: { ...request.headers, "x-pithead-signature": "deadbeef" } }),
    ).toMatchObject({ failure: "AUTH_MALFORMED" });
    expect(
      verifier().verify({ ...base, headers: { ...request.headers, "x-pithead-operator": "gamma" } }),
    ).toMatchObject({ failure: "AUTH_UNKNOWN_OPERATOR" });
    expect(verifier().verify({ ...base, headers: { ...request.headers, "x-pithead-nonce": "short" } })).toMatchObject({
      failure: "AUTH_MALFORMED",
    });
  });

  it("an uppercase hex signature is told to be lowercase, not only that it is malformed", async () => {
    const good = await signed();
    const signature = good.headers["x-pithead-signature"] as string;
    const base = { method: "POST", path: "/operators/alpha/miners/m1/stop", body: good.body, nowMs: now };
    const upper = { ...good.headers, "x-pithead-signature": `v1=${signature.slice(3).toUpperCase()}` };
    expect(verifier().verify({ ...base, headers: upper })).toEqual({
      ok: false,
      failure: "AUTH_MALFORMED",
      message:
        "x-pithead-signature must be v1=<64 lowercase hex digits>: this one has uppercase digits (send the HMAC's hex in lowercase)",
    });
    const short = { ...good.headers, "x-pithead-signature": "v1=abc" };
    expect(verifier().verify({ ...base, headers: short })).toMatchObject({
      message: "x-pithead-signature must be v1=<64 lowercase hex digits>",
    });
  });

  it("a bad signature does not spend the nonce (nobody without the secret can burn it)", async () => {
    const v = verifier();
    const good = await signed({ nonce: "nonce-shared-by-both-00" });
    const forged = { ...good.headers, "x-pithead-signature": `v1=${"0".repeat(64)}` };
    const base = { method: "POST", path: "/operators/alpha/miners/m1/stop", body: good.body, nowMs: now };
    expect(v.verify({ ...base, headers: forged })).toMatchObject({ failure: "AUTH_BAD_SIGNATURE" });
    expect(v.verify({ ...base, headers: good.headers }).ok).toBe(true);
  });

  it("tells a legacy bearer caller that the form is disabled and how to sign or enable it", () => {
    const hmac = createHmac("sha256", "alpha-secret-0123456789").update("alpha:GET:/miners").digest("hex");
    const result = verifier(false).verify({
      method: "GET",
      path: "/miners",
      headers: { authorization: `Bearer alpha:${hmac}` },
      body: Buffer.alloc(0),
      nowMs: now,
    });
    expect(result).toMatchObject({ ok: false, failure: "AUTH_MISSING" });
    const message = (result as { message: string }).message;
    expect(message).toMatch(
      /^the legacy 'Authorization: Bearer <operatorId>:<hmac>' form is disabled on this controller/,
    );
    expect(message).toContain("npx pithead fleet sign --operator alpha");
    expect(message).toContain("AUTH_ALLOW_LEGACY_BEARER=true");
  });

  it("accepts the seed's legacy bearer form only when enabled", () => {
    const hmac = createHmac("sha256", "alpha-secret-0123456789").update("alpha:GET:/miners").digest("hex");
    const input = {
      method: "GET",
      path: "/miners",
      headers: { authorization: `Bearer alpha:${hmac}` },
      body: Buffer.alloc(0),
      nowMs: now,
    };
    expect(verifier(false).verify(input)).toMatchObject({ ok: false, failure: "AUTH_MISSING" });
    expect(verifier(true).verify(input)).toEqual({ ok: true, operatorId: "alpha", scheme: "legacy-bearer" });
    expect(verifier(true).verify({ ...input, path: "/ledger/status" })).toMatchObject({
      ok: false,
      failure: "AUTH_BAD_SIGNATURE",
    });
  });
});
