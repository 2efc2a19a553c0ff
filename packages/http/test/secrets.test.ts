import { describe, expect, it } from "vitest";
import { apiKeyId, generateApiKey, hashSecret, timingSafeEqualString } from "../src/index.ts";

describe("secrets", () => {
  it("compares secrets by content, length differences included", () => {
    expect(timingSafeEqualString("abc", "abc")).toBe(true);
    expect(timingSafeEqualString("abc", "abd")).toBe(false);
    expect(timingSafeEqualString("abc", "abcd")).toBe(false);
    expect(timingSafeEqualString("", "")).toBe(true);
    expect(timingSafeEqualString("é", "e\u0301")).toBe(false);
  });

  it("generates keys whose stored hash matches and whose id is readable from the key", () => {
    const key = generateApiKey("miner");
    expect(key.key.startsWith(`ph_miner_${key.id}_`)).toBe(true);
    expect(hashSecret(key.key)).toBe(key.hash);
    expect(key.hash).not.toContain(key.key);
    expect(apiKeyId(key.key)).toBe(key.id);
    expect(apiKeyId("Bearer something-else")).toBeUndefined();
    expect(generateApiKey("miner").key).not.toBe(key.key);
  });
});
