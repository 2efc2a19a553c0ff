import { describe, expect, it } from "vitest";
import { isLlmError, type LlmError } from "./errors.ts";
import { validateRequest } from "./request-validation.ts";
import type { GenerateRequest } from "./types.ts";

function fieldOf(request: unknown): string | undefined {
  try {
    validateRequest(request as GenerateRequest);
    return undefined;
  } catch (error) {
    expect(isLlmError(error, "INVALID_REQUEST")).toBe(true);
    return (error as LlmError).details.field;
  }
}

describe("validateRequest", () => {
  it("accepts a raw prompt and a chat request", () => {
    expect(fieldOf({ prompt: "" })).toBeUndefined();
    expect(
      fieldOf({ messages: [{ role: "user", content: "hi" }], maxTokens: 5, temperature: 0.7, stop: ["\n"] }),
    ).toBeUndefined();
  });

  it("names the offending field", () => {
    expect(fieldOf({})).toBe("messages");
    expect(fieldOf({ prompt: "a", messages: [] })).toBe("prompt");
    expect(fieldOf({ prompt: 42 })).toBe("prompt");
    expect(fieldOf({ messages: [] })).toBe("messages");
    expect(
      fieldOf({
        messages: [
          { role: "user", content: "a" },
          { role: "robot", content: "b" },
        ],
      }),
    ).toBe("messages[1].role");
    expect(fieldOf({ messages: [{ role: "user" }] })).toBe("messages[0].content");
    expect(fieldOf({ prompt: "a", maxTokens: 0 })).toBe("maxTokens");
    expect(fieldOf({ prompt: "a", maxTokens: 1.5 })).toBe("maxTokens");
    expect(fieldOf({ prompt: "a", temperature: -1 })).toBe("temperature");
    expect(fieldOf({ prompt: "a", temperature: Number.NaN })).toBe("temperature");
    expect(fieldOf({ prompt: "a", topP: 0 })).toBe("topP");
    expect(fieldOf({ prompt: "a", seed: -3 })).toBe("seed");
    expect(fieldOf({ prompt: "a", stop: "\n" })).toBe("stop");
    expect(fieldOf({ prompt: "a", stop: ["ok", ""] })).toBe("stop[1]");
    expect(fieldOf({ prompt: "a", timeoutMs: 0 })).toBe("timeoutMs");
  });

  it("refuses a deadline longer than a timer holds instead of timing out at once", () => {
    expect(fieldOf({ prompt: "a", timeoutMs: 9_999_999_999 })).toBe("timeoutMs");
    expect(() => validateRequest({ prompt: "a", timeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });
});
