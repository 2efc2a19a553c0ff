// An admin request with a mistyped field is refused naming it, not half-read: `{"role":"miner",
// "walet":"w"}` used to mint a miner key bound to no wallet, and the admin found out only when
// the miner was paid elsewhere.
import { describe, expect, it } from "vitest";
import { items, startTestCoordinator } from "./support/coordinator.ts";

describe("admin requests with unknown fields", () => {
  it("POST /v1/admin/keys with a mistyped field is 422 naming it, and creates no key", async () => {
    await using coordinator = await startTestCoordinator();
    const before = items((await coordinator.call("GET", "/v1/admin/keys", { key: coordinator.adminKey })).body.keys);
    const typo = await coordinator.call("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      body: { role: "miner", walet: "gpu-wallet" },
    });
    expect(typo.status).toBe(422);
    expect(typo.body.error?.details?.field).toBe("body.walet");
    const after = items((await coordinator.call("GET", "/v1/admin/keys", { key: coordinator.adminKey })).body.keys);
    expect(after).toHaveLength(before.length);

    const spelled = await coordinator.call("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      body: { role: "miner", wallet: "gpu-wallet", label: "gpu0" },
    });
    expect(spelled.status).toBe(201);
    expect(spelled.body.wallet).toBe("gpu-wallet");
  });

  it("POST /v1/admin/wallets/{address}/fund with an unknown field is 422 and credits nothing", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.key("client", { wallet: "w-fund" });
    const refused = await coordinator.call("POST", "/v1/admin/wallets/w-fund/fund", {
      key: coordinator.adminKey,
      body: { amount: 5, currency: "USD" },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error?.details?.field).toBe("body.currency");
    const balance = await coordinator.call("GET", "/v1/wallet/balance", { key: client.key });
    expect(balance.body.balance).toBe(0);
  });
});
