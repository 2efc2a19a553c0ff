import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DotenvFileError, environmentWithDotenv, parseDotenv } from "./dotenv.ts";

describe("the .env reader", () => {
  it("refuses a line that is not a setting, naming the file and the line, instead of dropping it", () => {
    // Dropped, this typo left no miner configured: the controller started on a simulated fleet.
    const dir = mkdtempSync(join(tmpdir(), "fleet-dotenv-"));
    const file = join(dir, "site.env");
    writeFileSync(file, "# site\nAPI_SECRET=0123456789abcdef0\nMINER_0_IP 192.168.1.101\n");
    expect(() => environmentWithDotenv({}, file)).toThrow(DotenvFileError);
    expect(() => environmentWithDotenv({}, file)).toThrow(
      `${file}:3: expected KEY=value, got "MINER_0_IP 192.168.1.101"`,
    );
  });

  it("drops the quotes of a quoted value followed by a comment (a secret kept its quotes)", () => {
    const values = parseDotenv(`API_SECRET='0123456789abcdef0' # the site's\nOPERATOR_LABEL="Alpha \\"A\\"" # label\n`);
    expect(values.get("API_SECRET")).toBe("0123456789abcdef0");
    expect(values.get("OPERATOR_LABEL")).toBe('Alpha "A"');
  });

  it("reads a quoted OPERATORS_JSON laid out over several lines", () => {
    const values = parseDotenv(
      `OPERATORS_JSON='[\n  {"operatorId":"op-1","apiSecret":"0123456789abcdef0",\n   "miners":[{"ip":"10.0.0.5"}]}\n]'\nDRY_RUN=true\n`,
    );
    expect(JSON.parse(values.get("OPERATORS_JSON") as string)).toEqual([
      { operatorId: "op-1", apiSecret: "0123456789abcdef0", miners: [{ ip: "10.0.0.5" }] },
    ]);
    expect(values.get("DRY_RUN")).toBe("true");
  });

  it("names the setting whose quote is never closed", () => {
    expect(() => parseDotenv(`A=1\nAPI_SECRET="0123456789abcdef0\nB=2\n`)).toThrow(
      /^line 2: the " quote opened in API_SECRET is never closed$/,
    );
    expect(() => parseDotenv(`API_SECRET="0123456789abcdef0" extra\n`)).toThrow(
      /^line 1: unexpected "extra" after the closing " quote of API_SECRET$/,
    );
  });

  it("keeps what it always read: export, a comment after a value, empty and unquoted values", () => {
    const values = parseDotenv("export MINER_0_IP=10.0.0.5\nENERGY_COST_PER_KWH=0.055 # $/kWh\nEMPTY=\nHASH=a#b\n");
    expect([...values]).toEqual([
      ["MINER_0_IP", "10.0.0.5"],
      ["ENERGY_COST_PER_KWH", "0.055"],
      ["EMPTY", ""],
      ["HASH", "a#b"],
    ]);
  });
});
