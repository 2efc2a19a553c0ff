import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metadataNumber, metadataString, readGgufHeader } from "../gguf/gguf-reader.ts";
import { CODE_COUNT, CODE_DIM, codeVector } from "./codes.ts";
import { tinyModelContinuation, tinySuccessor } from "./successor.ts";
import { defaultModelPath, encodeTinyModel, ensureTinyModel, TINY_MODEL_FILE, writeTinyModel } from "./tiny-model.ts";
import { TINY_VOCAB_SIZE, TinyToken } from "./vocab.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-tiny-"));

function tensorValues(file: string, name: string): { dims: number[]; values: Float32Array } {
  const header = readGgufHeader(file);
  const tensor = header.tensors.find((t) => t.name === name);
  if (!tensor) throw new Error(`no tensor ${name}`);
  const bytes = readFileSync(file);
  const start = header.dataOffset + tensor.offset;
  return {
    dims: tensor.dims,
    values: new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + tensor.byteSize)),
  };
}

describe("the successor table", () => {
  it("continues printable ASCII, wraps ~ to !, answers chat with the alphabet and ends on non-ASCII", () => {
    expect(tinyModelContinuation("abc", 4)).toBe("defg");
    expect(tinyModelContinuation("x", 8)).toBe('yz{|}~!"');
    expect(tinyModelContinuation("hello ", 3)).toBe('!"#');
    expect(tinyModelContinuation("assistant\n", 5)).toBe("ABCDE");
    expect(tinyModelContinuation("", 3)).toBe("ABC");
    expect(tinyModelContinuation("café", 10)).toBe("");
    expect(tinySuccessor(TinyToken.IM_END)).toBe(0x41);
    expect(tinySuccessor(0xff)).toBe(TinyToken.EOS);
  });
});

describe("code vectors", () => {
  it("gives 384 ±1 vectors in 64 dimensions with no pairwise cosine above 1/8", () => {
    const codes = Array.from({ length: CODE_COUNT }, (_, i) => codeVector(i));
    let worst = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < codes.length; i++) {
      for (let j = i + 1; j < codes.length; j++) {
        let dot = 0;
        for (let k = 0; k < CODE_DIM; k++) dot += (codes[i]?.[k] ?? 0) * (codes[j]?.[k] ?? 0);
        worst = Math.max(worst, dot / CODE_DIM);
      }
    }
    expect(worst).toBe(0.125);
    expect(codes.every((c) => c.every((v) => v === 1 || v === -1))).toBe(true);
  });
});

describe("writeTinyModel", () => {
  const file = join(dir, "tiny.gguf");
  const written = writeTinyModel(file);

  it("writes a llama GGUF of about 470 KB with the promised shape and tokenizer", () => {
    expect(written.bytes).toBe(statSync(file).size);
    expect(written.bytes).toBeGreaterThan(450_000);
    expect(written.bytes).toBeLessThan(490_000);
    const header = readGgufHeader(file);
    expect(metadataString(header, "general.architecture")).toBe("llama");
    expect(metadataNumber(header, "llama.block_count")).toBe(2);
    expect(metadataNumber(header, "llama.embedding_length")).toBe(64);
    expect(metadataNumber(header, "llama.context_length")).toBeGreaterThanOrEqual(8192);
    expect(metadataString(header, "tokenizer.ggml.model")).toBe("gpt2");
    const tokens = header.metadata.get("tokenizer.ggml.tokens") as string[];
    expect(tokens).toHaveLength(TINY_VOCAB_SIZE);
    expect(tokens.slice(0x61, 0x64)).toEqual(["a", "b", "c"]);
    expect(tokens[0x20]).toBe("Ġ");
    expect(tokens.slice(256)).toEqual(["<s>", "</s>", "<|im_start|>", "<|im_end|>"]);
    expect((header.metadata.get("tokenizer.ggml.token_type") as number[]).slice(254, 258)).toEqual([1, 1, 3, 3]);
    expect(metadataNumber(header, "tokenizer.ggml.bos_token_id")).toBe(256);
    expect(metadataNumber(header, "tokenizer.ggml.eos_token_id")).toBe(257);
    expect(metadataString(header, "tokenizer.chat_template")).toContain("<|im_start|>");

    const shapes = Object.fromEntries(header.tensors.map((t) => [t.name, `${t.typeName}[${t.dims.join(",")}]`]));
    expect(shapes).toMatchObject({
      "token_embd.weight": "F32[64,260]",
      "output.weight": "F32[64,260]",
      "output_norm.weight": "F32[64]",
      "blk.0.attn_q.weight": "F32[64,64]",
      "blk.1.attn_output.weight": "F32[64,64]",
      "blk.1.ffn_gate.weight": "F32[64,128]",
      "blk.1.ffn_down.weight": "F32[128,64]",
    });
    expect(header.tensors).toHaveLength(3 + 2 * 9);
  });

  it("writes the same bytes every time", () => {
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(encodeTinyModel()))).toBe(true);
  });

  it("has weights whose logits peak at each token's successor with a margin of at least 20", () => {
    // Re-run the model's math in JS: residual = embedding (the layers add zero), RMSNorm, output matrix.
    const embd = tensorValues(file, "token_embd.weight").values;
    const out = tensorValues(file, "output.weight").values;
    for (const layer of [0, 1]) {
      expect(tensorValues(file, `blk.${layer}.attn_output.weight`).values.every((v) => v === 0)).toBe(true);
      expect(tensorValues(file, `blk.${layer}.ffn_down.weight`).values.every((v) => v === 0)).toBe(true);
    }
    for (let token = 0; token < TINY_VOCAB_SIZE; token++) {
      const x = embd.subarray(token * 64, token * 64 + 64);
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / 64);
      const logits = Array.from({ length: TINY_VOCAB_SIZE }, (_, j) => {
        let dot = 0;
        for (let k = 0; k < 64; k++) dot += ((x[k] ?? 0) / rms) * (out[j * 64 + k] ?? 0);
        return dot;
      });
      const best = logits.indexOf(Math.max(...logits));
      expect(best).toBe(tinySuccessor(token));
      const runnerUp = Math.max(...logits.filter((_, j) => j !== best));
      expect((logits[best] ?? 0) - runnerUp).toBeGreaterThanOrEqual(20);
    }
  });
});

describe("ensureTinyModel", () => {
  it("writes the model when missing, keeps a good copy and replaces a damaged one", () => {
    const folder = join(dir, "data", "models");
    const file = ensureTinyModel(folder);
    expect(file).toBe(join(folder, TINY_MODEL_FILE));
    expect(file).toBe(defaultModelPath(join(dir, "data")));
    const firstWrite = statSync(file).mtimeMs;
    expect(ensureTinyModel(folder)).toBe(file);
    expect(statSync(file).mtimeMs).toBe(firstWrite);

    writeFileSync(file, "garbage");
    ensureTinyModel(folder);
    expect(readGgufHeader(file).tensors).toHaveLength(21);
  });
});
