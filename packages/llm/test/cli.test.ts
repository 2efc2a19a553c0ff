// `pithead llm …` run as a user would: the real binary in a child process.

import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readGgufHeader } from "../src/index.ts";
import { startFakeOpenAiServer } from "./fake-openai-server.ts";

const run = promisify(execFile);
const bin = join(import.meta.dirname, "../../cli/bin/pithead.js");
const dir = mkdtempSync(join(tmpdir(), "pithead-cli-llm-"));

async function pithead(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // Without the caller's OpenAI key: no test may reach api.openai.com.
    const env = { ...process.env, OPENAI_API_KEY: "" };
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 60_000, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("pithead llm", () => {
  it("writes the tiny model, reports it as JSON, and inspects it", async () => {
    const file = join(dir, "tiny.gguf");
    const written = await pithead("llm", "tiny-model", file, "--json");
    expect(written.code).toBe(0);
    const result = JSON.parse(written.stdout) as { file: string; bytes: number; sha256: string };
    expect(result).toMatchObject({ file, bytes: readGgufHeader(file).fileSize });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);

    const inspected = JSON.parse((await pithead("llm", "inspect", file, "--json")).stdout) as Record<string, unknown>;
    expect(inspected).toMatchObject({
      architecture: "llama",
      layers: 2,
      embeddingLength: 64,
      vocabulary: 260,
      tensors: 21,
    });
  });

  it("refuses to overwrite a file that is not a tiny model, and says why in one line", async () => {
    const precious = join(dir, "precious.gguf");
    writeFileSync(precious, "my real model");
    const refused = await pithead("llm", "tiny-model", precious);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: ${precious} exists and is not a Pithead tiny model; pass --force to overwrite it\n`,
    );
    const inspected = await pithead("llm", "inspect", precious);
    expect(inspected.stderr).toMatch(/^error: model file .* does not start with the GGUF magic.*\[MODEL_CORRUPT\]\n$/);
  });

  it("generates with the embedded tiny model", async () => {
    const file = join(dir, "gen.gguf");
    await pithead("llm", "tiny-model", file);
    const streamed = await pithead(
      "llm",
      "generate",
      "abc",
      "--model",
      file,
      "--max-tokens",
      "6",
      "--context-size",
      "256",
    );
    expect(streamed.stdout).toBe("defghi\n");
    const json = await pithead("llm", "generate", "hello", "--chat", "--model", file, "--max-tokens", "3", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ text: "ABC", finishReason: "length", completionTokens: 3 });
  });

  it("takes --model as the model id of a remote provider, and names the flag that is missing", async () => {
    const server = await startFakeOpenAiServer();
    try {
      server.script({ kind: "answer", text: ["Hi", " there"] });
      const remote = ["--provider", "vllm", "--base-url", server.baseUrl, "--chat", "--json"];
      const answered = await pithead("llm", "generate", "hello", ...remote, "--model", "qwen2.5-7b");
      expect(answered.code, answered.stderr).toBe(0);
      expect(JSON.parse(answered.stdout)).toMatchObject({ text: "Hi there" });
      expect(server.seen.at(-1)?.body.model).toBe("qwen2.5-7b");
      // The former --model-id still works.
      expect((await pithead("llm", "generate", "hello", ...remote, "--model-id", "m2")).code).toBe(0);
      expect(server.seen.at(-1)?.body.model).toBe("m2");

      const noModel = await pithead("llm", "generate", "hello", ...remote);
      expect(noModel.code).toBe(2);
      expect(noModel.stderr).toMatch(/^error: --model <id> is required with --provider vllm/);
      const noUrl = await pithead("llm", "generate", "hello", "--provider", "vllm", "--model", "m");
      expect(noUrl.stderr).toMatch(/^error: --base-url is required for provider "vllm"/);
      const noKey = await pithead("llm", "generate", "hello", "--provider", "openai", "--model", "gpt-4o-mini");
      expect(noKey.stderr).toMatch(
        /^error: --api-key \(or \$OPENAI_API_KEY\) is required for https:\/\/api\.openai\.com/,
      );
    } finally {
      await server.close();
    }
  });

  // Before, these exited 1, like a model that failed to load: a bad value is a command-line error (2).
  it("exits 2 for a flag value that is missing, clashes with another or is out of range", async () => {
    const file = join(dir, "values.gguf");
    await pithead("llm", "tiny-model", file);
    const runs = await Promise.all([
      pithead("llm", "generate", "hi", "--model-id", "m"),
      pithead(
        "llm",
        "generate",
        "hi",
        "--provider",
        "vllm",
        "--base-url",
        "http://127.0.0.1:1/v1",
        "--model",
        "a",
        "--model-id",
        "b",
      ),
      pithead("llm", "generate", "hi", "--provider", "vllm", "--model", "m"),
      pithead("llm", "generate", "hi", "--provider", "vllm", "--base-url", "not a url", "--model", "m"),
      pithead("llm", "generate", "hi", "--model", file, "--temperature", "5"),
      // Past 2^31 - 1 ms a timer fires at once: it timed the request out immediately.
      pithead(
        "llm",
        "generate",
        "hi",
        "--provider",
        "vllm",
        "--base-url",
        "http://127.0.0.1:1/v1",
        "--model",
        "m",
        "--timeout",
        "9999999999",
      ),
    ]);
    expect(runs.map((ran) => ran.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runs[3]?.stderr).toMatch(/^error: --base-url must be an http\(s\) URL .*\[INVALID_CONFIG\]/);
    expect(runs[4]?.stderr).toMatch(/^error: --temperature must be between 0 and 2 .*\[INVALID_REQUEST\]/m);
    expect(runs[5]?.stderr).toMatch(/^error: --timeout must be a positive number of milliseconds, at most 2147483647/m);
    // A model file that is not there is not a command-line error: the run failed (1).
    expect((await pithead("llm", "generate", "hi", "--model", join(dir, "missing.gguf"))).code).toBe(1);
  });

  it("refuses an out-of-range sampling flag naming it before loading the model", async () => {
    // A model that cannot load: had it been loaded first, the error would be about the file.
    const broken = join(dir, "not-a-model.gguf");
    writeFileSync(broken, "not a GGUF file");
    const cases: [string[], string][] = [
      [["--temperature", "9"], "error: --temperature must be between 0 and 2 (got 9) [INVALID_REQUEST]\n"],
      [
        ["--seed", "99999999999"],
        "error: --seed must be a whole number from 0 to 4294967295 (got 99999999999) [INVALID_REQUEST]\n",
      ],
      [["--stop", "x", "--stop", ""], "error: --stop #2 must be a non-empty string [INVALID_REQUEST]\n"],
      [
        ["--system", "be brief"],
        "error: --system is a chat message: give --chat too (without it the prompt is raw text)\n",
      ],
    ];
    const runs = await Promise.all(
      cases.map(([flags]) => pithead("llm", "generate", "hi", "--model", broken, ...flags)),
    );
    runs.forEach((ran, index) => {
      expect(ran.code, cases[index]?.[0].join(" ")).toBe(2);
      expect(ran.stderr).toBe(cases[index]?.[1]);
    });
  });
});
