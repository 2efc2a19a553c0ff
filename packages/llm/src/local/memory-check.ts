// Refuses, before llama.cpp tries, a model that cannot fit: llama.cpp would otherwise fail
// late, swap the machine to a crawl, or be killed by the OOM killer.

import { LlmError } from "../errors.ts";

/** Headroom for llama.cpp's compute buffers and the runtime, on top of the weights. */
const OVERHEAD = 1.1;

export interface MemoryState {
  fileBytes: number;
  /** RAM the OS could give us now (MemAvailable). */
  freeRamBytes: number;
  /** Free VRAM on the GPU llama.cpp uses, 0 on the CPU. */
  freeVramBytes: number;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** Throws MODEL_TOO_LARGE when the weights cannot fit in free RAM plus free VRAM. */
export function checkModelFits(file: string, state: MemoryState): void {
  const needed = state.fileBytes * OVERHEAD;
  const available = state.freeRamBytes + state.freeVramBytes;
  if (needed > available) {
    const where =
      state.freeVramBytes > 0
        ? `${gib(state.freeRamBytes)} of RAM and ${gib(state.freeVramBytes)} of VRAM`
        : `${gib(state.freeRamBytes)} of RAM`;
    throw new LlmError(
      "MODEL_TOO_LARGE",
      `model file ${file} is ${gib(state.fileBytes)} and needs about ${gib(needed)}, but only ${where} are free; use a smaller or more quantized model`,
      { file, ...state },
    );
  }
}
