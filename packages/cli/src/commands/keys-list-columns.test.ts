// `pithead keys list` put two spaces before a wallet when the key had no label, so its columns
// did not line up with the labelled keys' (and a line could end in a space).
import { describe, expect, it } from "vitest";
import { keyLine } from "./keys.ts";

describe("a line of keys list", () => {
  it("starts what the key has after its state, one space apart, with no trailing space", () => {
    expect(keyLine({ id: "886259fa26af", role: "admin", label: "first admin key" })).toBe(
      "886259fa26af  admin  active  first admin key",
    );
    expect(keyLine({ id: "03e95fcf498e", role: "client", label: null, wallet: "w1" })).toBe(
      "03e95fcf498e  client active  wallet=w1",
    );
    expect(
      keyLine({ id: "d1a790baec3f", role: "miner", label: "gpu0", wallet: "mw", miner_id: "rig1", revoked_at: "x" }),
    ).toBe("d1a790baec3f  miner  revoked gpu0 wallet=mw miner=rig1");
    expect(keyLine({ id: "aaaaaaaaaaaa", role: "client" })).toBe("aaaaaaaaaaaa  client active");
  });
});
