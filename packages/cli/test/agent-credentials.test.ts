// `pithead agent credentials verify` exit codes: 3 for a file that is not a well-formed credentials
// file (missing, unreadable, a directory, a field malformed), 1 only for a well-formed file whose
// signature does not verify; and `sign --seed --secret-env` reads the seed from that variable.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Substrate's well-known development key //Alice (never for real funds): its seed and address.
const ALICE_SEED = "0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a";
const ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

function credentials(name: string, address: string, signature: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `https://miner.example.com<seperate>AbCdEf123456SecureKey\n\tSigned by: ${address}\n\tSignature: ${signature}\n`,
  );
  return file;
}

describe("pithead agent credentials verify", () => {
  it("a directory is 3 (not a credentials file), and --json prints the error as JSON", async () => {
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const plain = await pithead(["agent", "credentials", "verify", folder]);
    expect(plain.code).toBe(3);
    expect(plain.stderr.trim()).toBe(`error: ${folder} is a directory, not a file`);
    const json = await pithead(["agent", "credentials", "verify", folder, "--json"]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      file: folder,
      error: `${folder} is a directory, not a file`,
    });
  });

  it("a malformed address is 3 like a malformed signature; a well-formed file whose signature fails is 1", async () => {
    const badAddress = credentials("bad-address.txt", "notanaddress", "ab".repeat(64));
    const badSignature = credentials("bad-signature.txt", ALICE, "abc");
    const wrongSignature = credentials("wrong-signature.txt", ALICE, "ab".repeat(64));
    const [address, signature, wrong, addressJson] = await Promise.all([
      pithead(["agent", "credentials", "verify", badAddress]),
      pithead(["agent", "credentials", "verify", badSignature]),
      pithead(["agent", "credentials", "verify", wrongSignature]),
      pithead(["agent", "credentials", "verify", badAddress, "--json"]),
    ]);
    expect([address.code, signature.code, wrong.code]).toEqual([3, 3, 1]);
    expect(address.stderr).toContain(
      `${badAddress} is not a signed credentials file: "notanaddress" is not an SS58 address`,
    );
    expect(wrong.stdout).toContain("✖ invalid: the signature does not match");
    expect(addressJson.code).toBe(3);
    expect(JSON.parse(addressJson.stdout)).toMatchObject({ valid: false, file: badAddress });
  });
});

describe("pithead agent credentials sign --seed --secret-env", () => {
  it("reads the seed from the variable, as --secret-env's help says", async () => {
    const output = join(dir, "signed.txt");
    const signed = await pithead(
      [
        "agent",
        "credentials",
        "sign",
        "--api-url",
        "https://miner.example.com",
        "--token-env",
        "TOKEN",
        "--seed",
        "--secret-env",
        "SEC",
        "-o",
        output,
      ],
      { env: { TOKEN: "AbCdEf123456SecureKey", SEC: ALICE_SEED } },
    );
    expect(signed.stderr).toContain(`Signed by ${ALICE}`);
    expect(signed.code).toBe(0);
    const verified = await pithead(["agent", "credentials", "verify", output]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`signed by ${ALICE}`);
    // --seed says what the variable holds: a mnemonic in it is a bad seed (2), not taken as one.
    const mnemonic = await pithead(
      [
        "agent",
        "credentials",
        "sign",
        "--api-url",
        "https://m.example.com",
        "--token-env",
        "TOKEN",
        "--seed",
        "--secret-env",
        "SEC",
      ],
      {
        env: {
          TOKEN: "AbCdEf123456SecureKey",
          SEC: "bottom drive obey lake curtain smoke basket hold race lonely fit walk",
        },
      },
    );
    expect(mnemonic.code).toBe(2);
  });
});
