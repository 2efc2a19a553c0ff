// Pure parsing of `nvidia-smi --format=csv,noheader,nounits` output and energy integration.

export interface GpuInfo {
  name: string;
  memoryMb: number;
}

export interface GpuReading {
  index: number;
  /** Undefined when the board does not report power ("[N/A]", "[Not Supported]"). */
  powerWatts: number | undefined;
  memoryTotalMb: number | undefined;
  memoryUsedMb: number | undefined;
  name: string;
}

export const LIST_QUERY = "name,memory.total";
/** Name last: it is the only field that could ever hold a comma. */
export const POWER_QUERY = "index,power.draw,memory.total,memory.used,name";

function numberOrUndefined(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const value = Number.parseFloat(field.trim());
  return Number.isFinite(value) ? value : undefined;
}

/** Output of `--query-gpu=name,memory.total`: one GPU per line. */
export function parseGpuList(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of text.split("\n")) {
    const cut = line.lastIndexOf(",");
    if (cut < 0) continue;
    const name = line.slice(0, cut).trim();
    const memoryMb = numberOrUndefined(line.slice(cut + 1));
    if (name && memoryMb !== undefined) gpus.push({ name, memoryMb });
  }
  return gpus;
}

/** One line of `--query-gpu=index,power.draw,memory.total,memory.used,name`, or undefined if malformed. */
export function parsePowerLine(line: string): GpuReading | undefined {
  const fields = line.split(",");
  if (fields.length < 5) return undefined;
  const index = numberOrUndefined(fields[0]);
  if (index === undefined || !Number.isInteger(index)) return undefined;
  return {
    index,
    powerWatts: numberOrUndefined(fields[1]),
    memoryTotalMb: numberOrUndefined(fields[2]),
    memoryUsedMb: numberOrUndefined(fields[3]),
    name: fields.slice(4).join(",").trim(),
  };
}

/**
 * Groups a stream of readings into samples: with `-lms`, nvidia-smi prints every GPU once per
 * tick, so an index seen again starts the next tick.
 */
export function groupReadings(readings: readonly GpuReading[]): GpuReading[][] {
  const groups: GpuReading[][] = [];
  let current: GpuReading[] = [];
  for (const reading of readings) {
    if (current.some((r) => r.index === reading.index)) {
      groups.push(current);
      current = [];
    }
    current.push(reading);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

export interface PowerSample {
  /** Milliseconds on the sampler's clock. */
  at: number;
  watts: number;
}

/**
 * Joules used from `startMs` to `endMs`: trapezoids between samples, and the first and last
 * sample's power held flat out to the ends of the window.
 */
export function integrateEnergy(samples: readonly PowerSample[], startMs: number, endMs: number): number {
  const inside = samples.filter((s) => s.at >= startMs && s.at <= endMs);
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (!first || !last) return 0;
  let joules = (first.watts * (first.at - startMs)) / 1000 + (last.watts * (endMs - last.at)) / 1000;
  for (let i = 1; i < inside.length; i++) {
    const a = inside[i - 1] as PowerSample;
    const b = inside[i] as PowerSample;
    joules += (((a.watts + b.watts) / 2) * (b.at - a.at)) / 1000;
  }
  return joules;
}
