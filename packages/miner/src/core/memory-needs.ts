// Whether this machine can hold a job before it starts: a job may state what it needs
// (`min_vram_mb`, `min_ram_mb`; llm_gen also checks its model file against free memory when it loads), and a
// job that cannot fit is refused up front (INSUFFICIENT_MEMORY) instead of being OOM-killed
// halfway or swapping the box to a crawl.

export interface MemoryNeeds {
  minVramMb: number | undefined;
  minRamMb: number | undefined;
}

export interface MemoryAvailable {
  /** Largest GPU's memory (0 without a GPU). */
  vramMb: number;
  /** RAM the OS could give now (MemAvailable). */
  freeRamMb: number;
}

/** Reads the optional needs from job params; a present but malformed value is an error naming it. */
export function readMemoryNeeds(params: unknown): MemoryNeeds | { error: string } {
  const p = typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
  const read = (field: string): number | undefined | { error: string } => {
    const value = p[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      return { error: `params.${field} must be a whole number of MB, got ${JSON.stringify(value)}` };
    }
    return value;
  };
  const vram = read("min_vram_mb");
  if (typeof vram === "object") return vram;
  const ram = read("min_ram_mb");
  if (typeof ram === "object") return ram;
  return { minVramMb: vram, minRamMb: ram };
}

/** Why the job cannot fit, or undefined when it can. */
export function memoryShortfall(needs: MemoryNeeds, available: MemoryAvailable): string | undefined {
  if (needs.minVramMb !== undefined && needs.minVramMb > available.vramMb) {
    return available.vramMb === 0
      ? `job needs ${needs.minVramMb} MB of VRAM and this miner has no GPU`
      : `job needs ${needs.minVramMb} MB of VRAM, this miner's largest GPU has ${available.vramMb} MB`;
  }
  if (needs.minRamMb !== undefined && needs.minRamMb > available.freeRamMb) {
    return `job needs ${needs.minRamMb} MB of RAM, ${available.freeRamMb} MB is free`;
  }
  return undefined;
}
