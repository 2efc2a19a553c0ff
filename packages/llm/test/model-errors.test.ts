// Bad model files must give a clear LlmError and leave the process running: the GGUF header is
// checked before llama.cpp (which can abort the process on garbage) ever opens the file.

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkModelFits,
  createProvider,
  detectGpus,
  encodeTinyModel,
  isLlmError,
  type LlmErrorCode,
} from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-bad-models-"));

async function loadError(
  modelPath: string,
  gpu: "auto" | "cpu" | "cuda" = "cpu",
): Promise<{ code: LlmErrorCode; message: string }> {
  const error = await createProvider({ provider: "local", modelPath, gpu, contextSize: 128 }).then(
    async (provider) => {
      await provider.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!isLlmError(error)) throw new Error(`expected an LlmError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe("loading bad model files", () => {
  it("reports a missing file or a folder as MODEL_NOT_FOUND, naming the path", async () => {
    const missing = join(dir, "nope.gguf");
    expect(await loadError(missing)).toEqual({
      code: "MODEL_NOT_FOUND",
      message: `model file ${missing} does not exist`,
    });
    const folder = join(dir, "folder.gguf");
    mkdirSync(folder);
    expect(await loadError(folder)).toMatchObject({
      code: "MODEL_NOT_FOUND",
      message: `model path ${folder} is not a file`,
    });
  });

  it("reports random bytes as MODEL_CORRUPT", async () => {
    const file = join(dir, "random.gguf");
    writeFileSync(file, randomBytes(4096));
    const error = await loadError(file);
    expect(error.code).toBe("MODEL_CORRUPT");
    expect(error.message).toMatch(new RegExp(`^model file ${file} does not start with the GGUF magic`));
  });

  it("reports a truncated real model as MODEL_CORRUPT", async () => {
    const file = join(dir, "truncated.gguf");
    const whole = encodeTinyModel();
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const error = await loadError(file);
    expect(error.code).toBe("MODEL_CORRUPT");
    expect(error.message).toMatch(/is not a valid GGUF model: tensor .* but the file has \d+: truncated/);
    // Cut inside the header instead of the data.
    writeFileSync(file, whole.subarray(0, 3000));
    expect((await loadError(file)).message).toMatch(/is not a valid GGUF model: .*truncated/);
  });

  it("passes on llama.cpp's reason when a well-formed GGUF is a model it cannot run", async () => {
    const file = join(dir, "unknown-arch.gguf");
    const bytes = Buffer.from(encodeTinyModel());
    const at = bytes.indexOf("llama", 0, "latin1");
    bytes.write("xyzzy", at, "latin1");
    writeFileSync(file, bytes);
    expect(await loadError(file)).toEqual({
      code: "MODEL_CORRUPT",
      message: `llama.cpp could not load model file ${file}: unknown model architecture: 'xyzzy'`,
    });
  });

  it("still loads a good model in the same process afterwards", async () => {
    const file = join(dir, "good.gguf");
    writeFileSync(file, encodeTinyModel());
    writeFileSync(join(dir, "copy.gguf"), readFileSync(file));
    const provider = await createProvider({ provider: "local", modelPath: file, gpu: "cpu", contextSize: 128 });
    try {
      expect((await provider.generate({ prompt: "abc", maxTokens: 4 })).text).toBe("defg");
    } finally {
      await provider.close();
    }
  });

  it('reports gpu "cuda" without a usable CUDA device as GPU_UNAVAILABLE', async (context) => {
    if ((await detectGpus()).length > 0) context.skip();
    const file = join(dir, "cuda.gguf");
    writeFileSync(file, encodeTinyModel());
    const error = await loadError(file, "cuda");
    expect(error.code).toBe("GPU_UNAVAILABLE");
    expect(error.message).toMatch(/^gpu "cuda" was requested but llama.cpp's CUDA build cannot be used here/);
  });
});

describe("checkModelFits", () => {
  const GiB = 2 ** 30;

  it("refuses a model larger than free RAM plus VRAM, with the numbers", () => {
    expect(() =>
      checkModelFits("/models/llama-70b.gguf", { fileBytes: 40 * GiB, freeRamBytes: 16 * GiB, freeVramBytes: 8 * GiB }),
    ).toThrow(
      "model file /models/llama-70b.gguf is 40.0 GiB and needs about 44.0 GiB, but only 16.0 GiB of RAM and 8.0 GiB of VRAM are free; use a smaller or more quantized model",
    );
    try {
      checkModelFits("/m.gguf", { fileBytes: 10 * GiB, freeRamBytes: 4 * GiB, freeVramBytes: 0 });
    } catch (error) {
      expect(isLlmError(error, "MODEL_TOO_LARGE")).toBe(true);
    }
  });

  it("accepts a model split across VRAM and RAM", () => {
    expect(() =>
      checkModelFits("/m.gguf", { fileBytes: 20 * GiB, freeRamBytes: 16 * GiB, freeVramBytes: 8 * GiB }),
    ).not.toThrow();
  });
});
