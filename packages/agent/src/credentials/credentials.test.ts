import { readFileSync } from "node:fs";
import { u8aToHex } from "@polkadot/util";
import { mnemonicToMiniSecret, sr25519PairFromSeed, sr25519Sign } from "@polkadot/util-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { deriveKeyfileKey, openKeyfile, pairFromKeyfile, readKeyfile } from "./bittensor-keyfile.ts";
import {
  CredentialsError,
  credentialsMessage,
  formatCredentials,
  parseCredentials,
  pythonIsoformat,
} from "./credentials-file.ts";
import { addressOf, KeyError, pairFromMnemonic, pairFromSecret } from "./keypair.ts";
import { signCredentials, verifyCredentials } from "./sign-verify.ts";

// The Substrate development phrase and its root address (well known; never for real funds).
const MNEMONIC = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
const ADDRESS = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV";
const ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url));

const API_URL = "https://miner.example.com";
const TOKEN = "AbCdEf123456SecureKey";

describe("signing credentials", () => {
  it("writes the reference's file format, signed by the mnemonic's address", () => {
    const pair = pairFromMnemonic(MNEMONIC);
    const now = new Date(2025, 0, 2, 3, 4, 5, 678);
    const signed = signCredentials(API_URL, TOKEN, pair, now);
    const lines = signed.text.split("\n");
    expect(lines[0]).toBe("https://miner.example.com<seperate>AbCdEf123456SecureKey");
    expect(lines[1]).toBe(`\tSigned by: ${ADDRESS}`);
    expect(lines[2]).toMatch(/^\tSignature: [0-9a-f]{128}$/);
    expect(lines[3]).toMatch(/^\tTimestamp: 2025-01-02T03:04:05\.678000 \(.+\)$/);
    expect(lines[4]).toBe("");
    expect(lines).toHaveLength(5);
    expect(verifyCredentials(signed.text)).toEqual({
      valid: true,
      apiUrl: API_URL,
      token: TOKEN,
      address: ADDRESS,
      wrapped: false,
      timestamp: lines[3]?.replace("\tTimestamp: ", ""),
    });
  });

  it("verifies a signature made by @polkadot/util-crypto directly from the known mnemonic", () => {
    const pair = sr25519PairFromSeed(mnemonicToMiniSecret(MNEMONIC));
    const message = `${API_URL}<seperate>${TOKEN}`;
    const signature = u8aToHex(sr25519Sign(new TextEncoder().encode(message), pair)).slice(2);
    const text = formatCredentials({ message, address: ADDRESS, signature });
    expect(verifyCredentials(text).valid).toBe(true);
  });

  it("accepts a signature over <Bytes>message</Bytes>, as browser wallets sign", () => {
    const pair = pairFromMnemonic(MNEMONIC);
    const message = `${API_URL}<seperate>${TOKEN}`;
    const signature = u8aToHex(sr25519Sign(new TextEncoder().encode(`<Bytes>${message}</Bytes>`), pair)).slice(2);
    const result = verifyCredentials(formatCredentials({ message, address: ADDRESS, signature }));
    expect(result).toMatchObject({ valid: true, wrapped: true });
  });

  it("rejects a tampered URL, token or address", () => {
    const { text } = signCredentials(API_URL, TOKEN, pairFromMnemonic(MNEMONIC));
    const tamperedUrl = text.replace("miner.example.com", "evil.example.com");
    const tamperedToken = text.replace(TOKEN, `${TOKEN}x`);
    const tamperedAddress = text.replace(ADDRESS, ALICE);
    for (const tampered of [tamperedUrl, tamperedToken, tamperedAddress]) {
      const result = verifyCredentials(tampered);
      expect(result.valid).toBe(false);
      expect(result.reason).toBe("the signature does not match the message and the address");
    }
    const garbled = verifyCredentials(text.replace(ADDRESS, "5NotAnAddress"));
    expect(garbled.valid).toBe(false);
    expect(garbled.reason).toContain("is not an SS58 address");
  });

  it("reads files mangled by copy and paste", () => {
    const { text, signature } = signCredentials(API_URL, TOKEN, pairFromMnemonic(MNEMONIC));
    const pasted = `\n\n${text.replace(/\n/g, "\r\n").replace(/\t/g, "    ").replace(signature, `0x${signature.toUpperCase()}`)}\n`;
    expect(verifyCredentials(pasted).valid).toBe(true);
    const threeLines = text.split("\n").slice(0, 3).join("\n");
    expect(verifyCredentials(threeLines).valid).toBe(true);
  });

  it("names what is missing or malformed in a file", () => {
    const field = (text: string) => {
      try {
        parseCredentials(text);
        return "parsed";
      } catch (error) {
        return (error as CredentialsError).field;
      }
    };
    expect(field("")).toBe("message");
    expect(field("https://x.example<separate>t\n\tSigned by: a\n\tSignature: 00")).toBe("message");
    expect(field("https://x.example<seperate>t\n\tSignature: 00")).toBe("signed_by");
    expect(field("https://x.example<seperate>t\n\tSigned by: a")).toBe("signature");
    expect(field(`https://x.example<seperate>t\n\tSigned by: a\n\tSignature: ${"ab".repeat(63)}`)).toBe("signature");
  });

  it("refuses messages that would make the file ambiguous", () => {
    expect(() => credentialsMessage("miner.example.com", TOKEN)).toThrow(/api_url must be an http\(s\) URL/);
    expect(() => credentialsMessage("ftp://miner.example.com", TOKEN)).toThrow(CredentialsError);
    expect(() => credentialsMessage(API_URL, "")).toThrow(/token must not be empty/);
    expect(() => credentialsMessage(API_URL, "a\nb")).toThrow(/line break/);
    expect(() => credentialsMessage(API_URL, "a<seperate>b")).toThrow(/<seperate>/);
  });

  it("refuses to sign what would register an agent no one can call: a key the agent refuses, a URL with a query or fragment", () => {
    const pair = pairFromMnemonic(MNEMONIC);
    const refusal = (url: string, token: string) => {
      try {
        signCredentials(url, token, pair);
        return undefined;
      } catch (error) {
        return error instanceof CredentialsError ? error.field : String(error);
      }
    };
    expect(refusal(API_URL, "abc")).toBe("token");
    expect(refusal(API_URL, "x".repeat(15))).toBe("token");
    expect(refusal(API_URL, "your-secure-random-api-key-here")).toBe("token");
    expect(refusal(`${API_URL}/x?y=1#z`, TOKEN)).toBe("api_url");
    expect(refusal(`${API_URL}/x?`, TOKEN)).toBe("api_url");
    expect(refusal(`${API_URL}/x#`, TOKEN)).toBe("api_url");
    expect(refusal(`${API_URL}/x`, "x".repeat(16))).toBeUndefined();
    // Verifying still reads a file signed elsewhere with a short token.
    const message = `${API_URL}<seperate>abc`;
    const signature = u8aToHex(sr25519Sign(new TextEncoder().encode(message), pair)).slice(2);
    const text = formatCredentials({ message, address: addressOf(pair), signature });
    expect(verifyCredentials(text)).toMatchObject({ valid: true, token: "abc" });
  });

  it("writes timestamps as Python's isoformat does", () => {
    expect(pythonIsoformat(new Date(2024, 10, 5, 6, 7, 8, 0))).toBe("2024-11-05T06:07:08");
    expect(pythonIsoformat(new Date(2024, 10, 5, 6, 7, 8, 9))).toBe("2024-11-05T06:07:08.009000");
  });
});

describe("keys", () => {
  it("takes a mnemonic or a hex seed", () => {
    const seed = u8aToHex(mnemonicToMiniSecret(MNEMONIC));
    expect(addressOf(pairFromSecret(MNEMONIC))).toBe(ADDRESS);
    expect(addressOf(pairFromSecret(`  ${MNEMONIC.replace(/ /g, "   ")}\n`))).toBe(ADDRESS);
    expect(addressOf(pairFromSecret(seed))).toBe(ADDRESS);
    expect(addressOf(pairFromSecret(seed.slice(2)))).toBe(ADDRESS);
    expect(() => pairFromSecret("bottom drive obey lake curtain smoke basket hold race lonely fit fit")).toThrow(
      KeyError,
    );
    expect(() => pairFromSecret("0x1234")).toThrow(KeyError);
  });

  it("reads an unencrypted keyfile holding only schnorrkel's private key", async () => {
    const json = await readKeyfile(fixture("coldkey-private-key-only"));
    expect(json.secretPhrase).toBeUndefined();
    const pair = pairFromKeyfile(json);
    expect(addressOf(pair)).toBe(ADDRESS);
    const signed = signCredentials(API_URL, TOKEN, pair);
    expect(verifyCredentials(signed.text).valid).toBe(true);
  });

  it("refuses a keyfile whose private key does not match its address, and a public-only one", async () => {
    const json = await readKeyfile(fixture("coldkey-private-key-only"));
    expect(() => pairFromKeyfile({ ...json, ss58Address: ALICE })).toThrow(/does not match/);
    expect(() => pairFromKeyfile({ ss58Address: ADDRESS, publicKey: json.publicKey })).toThrow(/no private key/);
    await expect(readKeyfile(new TextEncoder().encode("gAAAAABlegacy"))).rejects.toThrow(/legacy/);
    await expect(readKeyfile(new TextEncoder().encode("hello"))).rejects.toThrow(/not a bittensor keyfile/);
  });

  describe("a $NACL coldkey encrypted by libsodium (PyNaCl)", () => {
    let key: Uint8Array;
    const data = fixture("coldkey-nacl");

    // One real argon2i derivation (512 MiB, 8 passes: several seconds by design).
    beforeAll(async () => {
      key = await deriveKeyfileKey("correct horse battery staple");
    }, 120_000);

    it("decrypts with the password's key and signs as the wallet's address", () => {
      const json = openKeyfile(data, key);
      expect(json.ss58Address).toBe(ADDRESS);
      expect(json.secretPhrase).toBe(MNEMONIC);
      const pair = pairFromKeyfile(json);
      expect(addressOf(pair)).toBe(ADDRESS);
      expect(verifyCredentials(signCredentials(API_URL, TOKEN, pair).text).valid).toBe(true);
    });

    it("says the password is wrong when the key does not open the box", () => {
      const wrong = new Uint8Array(key);
      wrong[0] = (wrong[0] ?? 0) ^ 1;
      expect(() => openKeyfile(data, wrong)).toThrow(/wrong password/);
      expect(() => openKeyfile(data.subarray(0, 30), key)).toThrow(/truncated/);
    });

    it("asks for a password instead of guessing one, and says so for an empty one", async () => {
      await expect(readKeyfile(data)).rejects.toThrow(/a password is needed/);
      await expect(readKeyfile(data, "")).rejects.toThrow("the keyfile is encrypted and the password given is empty");
    });
  });
});
