import { describe, expect, it } from "vitest";
import { type ProviderConfig, validateConfig } from "./create-provider.ts";
import { isLlmError, type LlmError } from "./errors.ts";

function fieldOf(config: unknown): string | undefined {
  try {
    validateConfig(config as ProviderConfig);
    return undefined;
  } catch (error) {
    expect(isLlmError(error, "INVALID_CONFIG")).toBe(true);
    return (error as LlmError).details.field;
  }
}

describe("validateConfig", () => {
  it("accepts the documented shapes", () => {
    expect(fieldOf({ provider: "local" })).toBeUndefined();
    expect(
      fieldOf({ provider: "local", gpu: "cpu", parallel: 8, contextSize: 4096, gpuLayers: "max" }),
    ).toBeUndefined();
    expect(fieldOf({ provider: "openai", apiKey: "sk-test", model: "gpt-4o-mini" })).toBeUndefined();
    expect(fieldOf({ provider: "vllm", baseUrl: "http://127.0.0.1:8000/v1", model: "qwen" })).toBeUndefined();
  });

  it("names the bad setting", () => {
    expect(fieldOf({ provider: "llamafile" })).toBe("provider");
    expect(fieldOf({ provider: "local", gpu: "rocm" })).toBe("gpu");
    expect(fieldOf({ provider: "local", parallel: 0 })).toBe("parallel");
    expect(fieldOf({ provider: "local", contextSize: 8.5 })).toBe("contextSize");
    expect(fieldOf({ provider: "local", maxQueue: -1 })).toBe("maxQueue");
    expect(fieldOf({ provider: "local", gpuLayers: "some" })).toBe("gpuLayers");
    expect(fieldOf({ provider: "local", modelPath: "" })).toBe("modelPath");
    expect(fieldOf({ provider: "local", timeoutMs: -5 })).toBe("timeoutMs");
    // Past 2^31 - 1 ms a Node timer fires at once: every call would time out immediately.
    expect(fieldOf({ provider: "vllm", baseUrl: "http://h/v1", model: "m", timeoutMs: 9_999_999_999 })).toBe(
      "timeoutMs",
    );
    expect(fieldOf({ provider: "vllm", model: "m" })).toBe("baseUrl");
    expect(fieldOf({ provider: "vllm", baseUrl: "ftp://host/v1", model: "m" })).toBe("baseUrl");
    expect(fieldOf({ provider: "vllm", baseUrl: "not a url", model: "m" })).toBe("baseUrl");
    // The endpoint pasted as the base: …/chat/completions/chat/completions answered 404 on every call.
    expect(fieldOf({ provider: "vllm", baseUrl: "http://h:8000/v1/chat/completions", model: "m" })).toBe("baseUrl");
    expect(fieldOf({ provider: "vllm", baseUrl: "http://h/v1" })).toBe("model");
    expect(fieldOf({ provider: "openai", model: "gpt-4o-mini" })).toBe("apiKey");
    expect(fieldOf({ provider: "openai", apiKey: "k", model: "m", maxRetries: 100 })).toBe("maxRetries");
    expect(fieldOf({ provider: "vllm", baseUrl: "http://h/v1", model: "m", maxResponseBytes: 10 })).toBe(
      "maxResponseBytes",
    );
  });
});
