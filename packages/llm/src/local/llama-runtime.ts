// One llama.cpp runtime per process and GPU mode: loading the native binding takes about half a
// second and holds the backend, so every model in the process shares it.
// `build: "never"` always: this never downloads or compiles llama.cpp; a machine without a
// usable prebuilt binary gets a clear error instead.

import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";
import { LlmError } from "../errors.ts";

export type GpuMode = "auto" | "cpu" | "cuda";

export type LlamaLogger = (level: "error" | "warn" | "info" | "debug", message: string) => void;

const runtimes = new Map<GpuMode, Promise<Llama>>();
let logSink: LlamaLogger | undefined;
// llama.cpp explains load failures only in its log ("unknown model architecture: 'x'"); the
// last few error lines are kept so the LlmError can say why.
const recentErrors: string[] = [];

/** Where llama.cpp's own warnings and errors go (default: nowhere; failures surface as LlmError). */
export function setLlamaLogger(logger: LlamaLogger | undefined): void {
  logSink = logger;
}

function levelOf(level: LlamaLogLevel): "error" | "warn" | "info" {
  if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) return "error";
  return level === LlamaLogLevel.warn ? "warn" : "info";
}

function forward(level: LlamaLogLevel, message: string): void {
  const text = message.trimEnd();
  if (text.length === 0) return;
  const mapped = levelOf(level);
  if (mapped === "error") {
    recentErrors.push(text);
    if (recentErrors.length > 8) recentErrors.shift();
  }
  logSink?.(mapped, text);
}

/** llama.cpp error lines logged since the last call, without their function-name prefixes. */
export function takeLlamaErrors(): string[] {
  const lines = recentErrors.splice(0).map((line) => line.replace(/^[a-z_]+: (error [a-z ]+: )?/, ""));
  return [...new Set(lines)];
}

async function load(mode: GpuMode): Promise<Llama> {
  const common = { build: "never", logLevel: LlamaLogLevel.warn, logger: forward, progressLogs: false } as const;
  if (mode === "cpu") return await getLlama({ ...common, gpu: false });
  if (mode === "cuda") {
    try {
      return await getLlama({ ...common, gpu: "cuda" });
    } catch (error) {
      throw new LlmError(
        "GPU_UNAVAILABLE",
        `gpu "cuda" was requested but llama.cpp's CUDA build cannot be used here (${(error as Error).message.split("\n")[0]}); use gpu "auto" or "cpu"`,
        { field: "gpu" },
        { cause: error },
      );
    }
  }
  // "auto" tries CUDA, then Vulkan, then the CPU; a GPU binary that fails to load (no driver,
  // no device) is skipped quickly, and the CPU build always loads.
  return await getLlama({ ...common, gpu: "auto" });
}

export function llamaRuntime(mode: GpuMode): Promise<Llama> {
  let runtime = runtimes.get(mode);
  if (!runtime) {
    runtime = load(mode);
    runtimes.set(mode, runtime);
    // A failed load is not cached: the next caller tries again.
    runtime.catch(() => runtimes.delete(mode));
  }
  return runtime;
}
