// The tiny model: a real llama-architecture GGUF (2 layers, 64-dim, 260-token byte vocabulary,
// about 470 KB of F32) whose weights are chosen, not trained, so that greedy decoding follows
// `tinySuccessor` exactly. It is the embedded default, so everything runs offline.
//
// How the weights make that happen: the embedding of token t is the code vector of its
// successor; attention and feed-forward layers compute (their Q/K/V/gate/up weights are
// small pseudo-random values) but their output projections are zero, so the residual stream
// reaches the final RMSNorm unchanged; the output matrix's row j is code vector j, so the
// logit of j is LOGIT_SCALE · cos(code(successor(t)), code(j)): LOGIT_SCALE for the
// successor and at most LOGIT_SCALE / 8 for any other token. A margin of 21 nats keeps even
// sampled output (temperature ≤ 1) on the same path.

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { GgmlType } from "../gguf/gguf-format.ts";
import { type GgufHeader, metadataNumber, readGgufHeader } from "../gguf/gguf-reader.ts";
import { encodeGguf, type GgufWriteTensor, type GgufWriteValue } from "../gguf/gguf-writer.ts";
import { CODE_DIM, codeVector } from "./codes.ts";
import { tinySuccessor } from "./successor.ts";
import { TINY_VOCAB_SIZE, TinyToken, tinyTokenTexts, tinyTokenTypes } from "./vocab.ts";

export const TINY_MODEL_FILE = "pithead-tiny-260.gguf";
/** Bumped whenever the writer's output changes, so `ensureTinyModel` rewrites old files. */
export const TINY_MODEL_VERSION = 1;
export const TINY_CONTEXT_LENGTH = 16384;

const N_EMBD = CODE_DIM;
const N_LAYER = 2;
const N_HEAD = 4;
const N_FF = 128;
const LOGIT_SCALE = 24;

/** ChatML, so node-llama-cpp picks its ChatML chat wrapper for the tiny model. */
const CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Deterministic small weights for the parts whose output is discarded anyway. */
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function f32Tensor(name: string, dims: number[], fill: (i: number) => number): GgufWriteTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = fill(i);
  return { name, type: GgmlType.F32, dims, data: new Uint8Array(values.buffer) };
}

function tinyTensors(): GgufWriteTensor[] {
  const codes = Array.from({ length: TINY_VOCAB_SIZE }, (_, j) => codeVector(j));
  const codeOf = (token: number) => codes[token] as Int8Array;
  const random = pseudoRandom(0x7419);
  const small = () => random() * 0.04;
  const tensors: GgufWriteTensor[] = [
    // Row t (64 values, contiguous) is token t's embedding: the code of its successor.
    f32Tensor("token_embd.weight", [N_EMBD, TINY_VOCAB_SIZE], (i) => {
      const token = Math.floor(i / N_EMBD);
      return codeOf(tinySuccessor(token))[i % N_EMBD] as number;
    }),
    f32Tensor("output_norm.weight", [N_EMBD], () => 1),
    // Row j scores token j; after RMSNorm the input has entries ±1, so the dot product is 64·cos.
    f32Tensor("output.weight", [N_EMBD, TINY_VOCAB_SIZE], (i) => {
      const token = Math.floor(i / N_EMBD);
      return ((codeOf(token)[i % N_EMBD] as number) * LOGIT_SCALE) / N_EMBD;
    }),
  ];
  for (let layer = 0; layer < N_LAYER; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      f32Tensor(`${blk}.attn_norm.weight`, [N_EMBD], () => 1),
      f32Tensor(`${blk}.attn_q.weight`, [N_EMBD, N_EMBD], small),
      f32Tensor(`${blk}.attn_k.weight`, [N_EMBD, N_EMBD], small),
      f32Tensor(`${blk}.attn_v.weight`, [N_EMBD, N_EMBD], small),
      f32Tensor(`${blk}.attn_output.weight`, [N_EMBD, N_EMBD], () => 0),
      f32Tensor(`${blk}.ffn_norm.weight`, [N_EMBD], () => 1),
      f32Tensor(`${blk}.ffn_gate.weight`, [N_EMBD, N_FF], small),
      f32Tensor(`${blk}.ffn_up.weight`, [N_EMBD, N_FF], small),
      f32Tensor(`${blk}.ffn_down.weight`, [N_FF, N_EMBD], () => 0),
    );
  }
  return tensors;
}

function tinyMetadata(): [string, GgufWriteValue][] {
  return [
    ["general.architecture", { kind: "str", value: "llama" }],
    ["general.name", { kind: "str", value: "pithead-tiny" }],
    [
      "general.description",
      {
        kind: "str",
        value:
          "Pithead's tiny deterministic test model: each printable ASCII character predicts the next one ('abc' -> 'defg...'), '~' wraps to '!', control bytes predict 'A', bytes >= 0x80 end the text.",
      },
    ],
    ["general.file_type", { kind: "u32", value: 0 }],
    ["general.alignment", { kind: "u32", value: 32 }],
    ["llama.context_length", { kind: "u32", value: TINY_CONTEXT_LENGTH }],
    ["llama.embedding_length", { kind: "u32", value: N_EMBD }],
    ["llama.block_count", { kind: "u32", value: N_LAYER }],
    ["llama.feed_forward_length", { kind: "u32", value: N_FF }],
    ["llama.attention.head_count", { kind: "u32", value: N_HEAD }],
    ["llama.attention.head_count_kv", { kind: "u32", value: N_HEAD }],
    ["llama.attention.layer_norm_rms_epsilon", { kind: "f32", value: 1e-5 }],
    ["llama.rope.dimension_count", { kind: "u32", value: N_EMBD / N_HEAD }],
    ["llama.rope.freq_base", { kind: "f32", value: 10000 }],
    ["llama.vocab_size", { kind: "u32", value: TINY_VOCAB_SIZE }],
    ["tokenizer.ggml.model", { kind: "str", value: "gpt2" }],
    ["tokenizer.ggml.pre", { kind: "str", value: "default" }],
    ["tokenizer.ggml.tokens", { kind: "str[]", value: tinyTokenTexts() }],
    ["tokenizer.ggml.scores", { kind: "f32[]", value: new Array(TINY_VOCAB_SIZE).fill(0) }],
    ["tokenizer.ggml.token_type", { kind: "i32[]", value: tinyTokenTypes() }],
    ["tokenizer.ggml.merges", { kind: "str[]", value: [] }],
    ["tokenizer.ggml.bos_token_id", { kind: "u32", value: TinyToken.BOS }],
    ["tokenizer.ggml.eos_token_id", { kind: "u32", value: TinyToken.EOS }],
    ["tokenizer.ggml.eot_token_id", { kind: "u32", value: TinyToken.IM_END }],
    ["tokenizer.ggml.add_bos_token", { kind: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { kind: "bool", value: false }],
    ["tokenizer.chat_template", { kind: "str", value: CHAT_TEMPLATE }],
    ["pithead.tiny_model.version", { kind: "u32", value: TINY_MODEL_VERSION }],
  ];
}

/** The tiny model's bytes (deterministic: the same every time). */
export function encodeTinyModel(): Uint8Array {
  return encodeGguf(tinyMetadata(), tinyTensors());
}

/**
 * Writes the tiny model to `file` (creating its folder), atomically: a reader never sees a
 * half-written file, and concurrent writers each rename a complete copy.
 */
export function writeTinyModel(file: string): { file: string; bytes: number } {
  const bytes = encodeTinyModel();
  mkdirSync(dirname(file), { recursive: true });
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return { file, bytes: bytes.length };
}

function isCurrentTinyModel(header: GgufHeader): boolean {
  return metadataNumber(header, "pithead.tiny_model.version") === TINY_MODEL_VERSION;
}

/** Where the embedded default model lives under a data folder: `<dataDir>/models/pithead-tiny-260.gguf`. */
export function defaultModelPath(dataDir: string): string {
  return join(dataDir, "models", TINY_MODEL_FILE);
}

/**
 * Returns the path of the tiny model in `dir`, writing it first when it is missing, damaged
 * or from an older writer.
 */
export function ensureTinyModel(dir: string): string {
  const file = join(dir, TINY_MODEL_FILE);
  if (existsSync(file)) {
    try {
      if (isCurrentTinyModel(readGgufHeader(file))) return file;
    } catch {
      // Damaged: write a fresh copy below.
    }
  }
  writeTinyModel(file);
  return file;
}
