// Loads a GGUF model into llama.cpp with one context of several sequences, after checking the
// file ourselves (missing, not GGUF, truncated, too big for free memory), because llama.cpp
// can abort the process on a malformed file.
//
// Exported for benchmarks too: `bench/miner` and `bench/agent` compare the provider with
// node-llama-cpp called directly, and load the model through this same function so both
// sides run with identical model, context and thread settings.

import { stat } from "node:fs/promises";
import { freemem } from "node:os";
import { basename } from "node:path";
import {
  type ChatWrapper,
  InsufficientMemoryError,
  type Llama,
  type LlamaContext,
  type LlamaModel,
  resolveChatWrapper,
} from "node-llama-cpp";
import { LlmError } from "../errors.ts";
import { type GgufHeader, metadataNumber, readGgufHeader } from "../gguf/gguf-reader.ts";
import { type GpuMode, llamaRuntime, takeLlamaErrors } from "./llama-runtime.ts";
import { checkModelFits } from "./memory-check.ts";
import { gateFirstSampleAfterDecode } from "./sample-gate.ts";

export interface EmbeddedModelOptions {
  modelPath: string;
  /** "auto" (default): CUDA/Vulkan when usable, else CPU. "cpu": never the GPU. "cuda": CUDA or fail. */
  gpu?: GpuMode;
  /** Layers to offload to the GPU; default "auto" (as many as fit). Ignored on the CPU. */
  gpuLayers?: number | "auto" | "max";
  /** Tokens per sequence (prompt + output of one request). Default: up to 16384, less if memory is short. */
  contextSize?: number;
  /** Sequences in the context: requests decoded together in one batch. Default 4. */
  parallel?: number;
  /** CPU threads. Default: 1 for models under 64 MiB (thread sync costs more than their math), else llama.cpp's choice. */
  threads?: number;
  /** Tokens per llama.cpp batch. Default: node-llama-cpp's (512, or the context size if smaller). */
  batchSize?: number;
}

export interface EmbeddedModel {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  /**
   * The chat wrapper for the model's chat template, resolved on first use and kept: resolving
   * costs close to a second, which raw-prompt users (the miner) never need to pay.
   */
  chatWrapper(): ChatWrapper;
  readonly header: GgufHeader;
  readonly modelPath: string;
  /** Display name: the file name without `.gguf`. */
  readonly modelName: string;
  readonly accelerator: "cuda" | "vulkan" | "metal" | "cpu";
  readonly gpuLayers: number;
  /** Tokens per sequence. */
  readonly contextSize: number;
  readonly parallel: number;
  dispose(): Promise<void>;
}

export const DEFAULT_PARALLEL = 4;
const DEFAULT_MAX_CONTEXT = 16384;
const SMALL_MODEL_BYTES = 64 * 2 ** 20;

function tooLarge(file: string, what: string, error: unknown): LlmError {
  return new LlmError(
    "MODEL_TOO_LARGE",
    `${what} for ${file} does not fit in free memory (${(error as Error).message}); lower contextSize or parallel, or use a smaller model`,
    { file },
    { cause: error },
  );
}

export async function loadEmbeddedModel(options: EmbeddedModelOptions): Promise<EmbeddedModel> {
  const file = options.modelPath;
  const parallel = options.parallel ?? DEFAULT_PARALLEL;
  const header = readGgufHeader(file);
  const llama = await llamaRuntime(options.gpu ?? "auto");
  const onGpu = llama.gpu !== false;
  const { size: fileBytes } = await stat(file);
  const freeVramBytes = onGpu ? (await llama.getVramState()).free : 0;
  checkModelFits(file, { fileBytes, freeRamBytes: freemem(), freeVramBytes });

  let model: LlamaModel;
  takeLlamaErrors();
  try {
    model = await llama.loadModel({
      modelPath: file,
      gpuLayers: onGpu ? (options.gpuLayers ?? "auto") : 0,
    });
  } catch (error) {
    if (error instanceof InsufficientMemoryError) throw tooLarge(file, "the model", error);
    const why = takeLlamaErrors().filter((line) => !/failed to load model/i.test(line));
    throw new LlmError(
      "MODEL_CORRUPT",
      `llama.cpp could not load model file ${file}: ${why.length > 0 ? why.join("; ") : (error as Error).message}`,
      { file },
      { cause: error },
    );
  }

  const trained = metadataNumber(header, `${String(header.metadata.get("general.architecture"))}.context_length`);
  const threads = options.threads ?? (fileBytes < SMALL_MODEL_BYTES ? 1 : undefined);
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: parallel,
      contextSize: options.contextSize ?? { max: Math.min(trained ?? DEFAULT_MAX_CONTEXT, DEFAULT_MAX_CONTEXT) },
      ...(threads !== undefined ? { threads } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    });
  } catch (error) {
    await model.dispose();
    if (error instanceof InsufficientMemoryError || /memory|VRAM/i.test((error as Error).message)) {
      throw tooLarge(file, `a context of ${parallel} × ${options.contextSize ?? "auto"} tokens`, error);
    }
    throw error;
  }
  // Concurrent sequences would otherwise sample from each other's logits (see sample-gate.ts).
  if (parallel > 1) {
    try {
      gateFirstSampleAfterDecode(context);
    } catch (error) {
      await context.dispose();
      await model.dispose();
      throw error;
    }
  }

  let chatWrapper: ChatWrapper | undefined;
  return {
    llama,
    model,
    context,
    chatWrapper: () => {
      chatWrapper ??= resolveChatWrapper(model);
      return chatWrapper;
    },
    header,
    modelPath: file,
    modelName: basename(file).replace(/\.gguf$/i, ""),
    accelerator: llama.gpu === false ? "cpu" : llama.gpu,
    gpuLayers: model.gpuLayers,
    contextSize: context.contextSize,
    parallel,
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
