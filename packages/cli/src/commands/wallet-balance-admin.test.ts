// `pithead wallet fund my-wallet 100 --data D` is how an operator funds a wallet; the balance is read
// the same way (`wallet balance my-wallet --data D`), not refused as an unknown option. A client key
// asking for another wallet is told how to read it instead.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "../../test/support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-wallet-balance-"));
const data = join(dir, "coordinator");
let coordinator: RunningCoordinator;

beforeAll(async () => {
  coordinator = await startCoordinator({
    flags: { port: "0", dataDir: data },
    env: {},
    logger: false,
    sweeper: false,
  });
});
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("wallet balance with the admin key", () => {
  it("reads any address with --data, as wallet fund does", async () => {
    const url = ["--url", coordinator.url];
    expect((await pithead(["wallet", "fund", "rig-wallet", "250", ...url, "--data", data])).code).toBe(0);
    const read = await pithead(["wallet", "balance", "rig-wallet", ...url, "--data", data]);
    expect(read.stderr).toBe("");
    expect(read.code).toBe(0);
    expect(read.stdout.trim()).toBe("rig-wallet: 250 (pending 0)");
    const fromFile = await pithead([
      "wallet",
      "balance",
      "rig-wallet",
      ...url,
      "--admin-key-file",
      join(data, "admin.key"),
      "--json",
    ]);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ address: "rig-wallet", balance: 250 });
  });

  it("with --data but no address, says to name one (exit 2)", async () => {
    const ran = await pithead(["wallet", "balance", "--url", coordinator.url, "--data", data]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("name it");
  });

  it("a client key asking for another wallet is told to use the admin key", async () => {
    const admin = await pithead([
      "keys",
      "create",
      "--role",
      "client",
      "--url",
      coordinator.url,
      "--data",
      data,
      "--json",
    ]);
    const clientKey = String((JSON.parse(admin.stdout) as { key: string }).key);
    const ran = await pithead(["wallet", "balance", "rig-wallet", "--url", coordinator.url], {
      env: { PITHEAD_KEY: clientKey },
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("[NOT_YOUR_WALLET]");
    expect(ran.stderr).toContain("--data <the coordinator's data dir>");
  });
});
