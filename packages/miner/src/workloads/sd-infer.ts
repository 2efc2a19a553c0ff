// sd_infer: image generation through an AUTOMATIC1111-compatible HTTP API the operator runs
// (SD_URL): POST /sdapi/v1/txt2img for one image (batch_size 1), whose base64 PNG becomes the output
// bytes. Metrics say `images: 1`: the coordinator's receipt counts sd_infer work in images.
// At max_runtime_s the request is aborted and the backend told to stop (POST /sdapi/v1/interrupt).
// Params: {prompt, negative_prompt?, steps?, width?, height?, cfg_scale?, seed?, sampler_name?, model?}.

import type { LeasedJob } from "../net/coordinator-client.ts";
import {
  type Availability,
  intParam,
  type MachineView,
  numberParam,
  paramsOf,
  stringParam,
  type Workload,
  type WorkloadContext,
  WorkloadError,
  type WorkloadResult,
} from "./workload.ts";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(PNG_MAGIC);
}

function multipleOf8(params: Record<string, unknown>, field: string): number {
  const value = intParam(params, field, 64, 2048, 512);
  if (value % 8 !== 0) throw new WorkloadError("BAD_PARAMS", `params.${field} must be a multiple of 8, got ${value}`);
  return value;
}

/** The txt2img body for a job's params (validated, naming the bad field). */
export function txt2imgBody(job: LeasedJob): Record<string, unknown> {
  const params = paramsOf(job);
  const prompt = stringParam(params, "prompt", 10_000);
  if (prompt === undefined || prompt.trim() === "") throw new WorkloadError("BAD_PARAMS", "params.prompt is required");
  const model = stringParam(params, "model", 300);
  const body: Record<string, unknown> = {
    prompt,
    negative_prompt: stringParam(params, "negative_prompt", 10_000) ?? "",
    steps: intParam(params, "steps", 1, 150, 20),
    width: multipleOf8(params, "width"),
    height: multipleOf8(params, "height"),
    cfg_scale: numberParam(params, "cfg_scale", 1, 30) ?? 7,
    // A fixed default seed keeps a job's image reproducible (A1111's -1 would be random).
    seed: intParam(params, "seed", 0, 2 ** 32 - 1, 0),
    batch_size: 1,
    n_iter: 1,
    send_images: true,
    save_images: false,
  };
  const sampler = stringParam(params, "sampler_name", 100);
  if (sampler !== undefined) body.sampler_name = sampler;
  if (model !== undefined) body.override_settings = { sd_model_checkpoint: model };
  return body;
}

export class SdInferWorkload implements Workload {
  readonly name = "sd_infer";
  readonly #baseUrl: string | undefined;

  constructor(baseUrl: string | undefined) {
    this.#baseUrl = baseUrl?.replace(/\/+$/, "");
  }

  async detect(_machine: MachineView): Promise<Availability> {
    if (!this.#baseUrl)
      return { available: false, reason: "no backend configured (set SD_URL to an AUTOMATIC1111-compatible API)" };
    try {
      const response = await fetch(`${this.#baseUrl}/sdapi/v1/sd-models`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok)
        return { available: false, reason: `${this.#baseUrl}/sdapi/v1/sd-models answered ${response.status}` };
      const models = (await response.json()) as { model_name?: unknown; title?: unknown }[];
      const names = Array.isArray(models)
        ? models.map((m) => String(m.model_name ?? m.title ?? "")).filter((n) => n !== "")
        : [];
      return {
        available: true,
        reason: `AUTOMATIC1111-compatible API at ${this.#baseUrl} with ${names.length} ${names.length === 1 ? "model" : "models"}`,
        models: names,
      };
    } catch (error) {
      return { available: false, reason: `${this.#baseUrl} is unreachable (${(error as Error).message})` };
    }
  }

  async run(job: LeasedJob, ctx: WorkloadContext): Promise<WorkloadResult> {
    if (!this.#baseUrl) throw new WorkloadError("BACKEND_UNAVAILABLE", "sd_infer has no backend (SD_URL)");
    const body = txt2imgBody(job);
    const started = performance.now();
    const interrupt = () => {
      // Best effort: without it the backend would keep rendering an image nobody will collect.
      fetch(`${this.#baseUrl}/sdapi/v1/interrupt`, { method: "POST", signal: AbortSignal.timeout(2000) }).catch(
        () => {},
      );
    };
    ctx.signal.addEventListener("abort", interrupt, { once: true });
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}/sdapi/v1/txt2img`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw new WorkloadError("BACKEND_UNAVAILABLE", `${this.#baseUrl} is unreachable (${(error as Error).message})`);
    } finally {
      ctx.signal.removeEventListener("abort", interrupt);
    }
    const text = await response.text();
    if (!response.ok) {
      const memory = /out of memory/i.test(text);
      throw new WorkloadError(
        memory ? "INSUFFICIENT_MEMORY" : "BACKEND_ERROR",
        `txt2img answered ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    let images: unknown;
    try {
      images = (JSON.parse(text) as { images?: unknown }).images;
    } catch {
      throw new WorkloadError("BACKEND_ERROR", "txt2img answered with something that is not JSON");
    }
    const first = Array.isArray(images) ? images[0] : undefined;
    if (typeof first !== "string") throw new WorkloadError("BACKEND_ERROR", "txt2img answered without an image");
    const png = Buffer.from(first.replace(/^data:image\/png;base64,/, ""), "base64");
    if (!isPng(png)) throw new WorkloadError("BACKEND_ERROR", "txt2img's image is not a PNG");
    const seconds = (performance.now() - started) / 1000;
    return {
      output: png,
      contentType: "image/png",
      metrics: {
        images: 1,
        seconds: Math.round(seconds * 1000) / 1000,
        steps: body.steps as number,
        width: body.width as number,
        height: body.height as number,
        steps_per_s: seconds > 0 ? Math.round(((body.steps as number) / seconds) * 100) / 100 : 0,
        bytes: png.length,
      },
    };
  }
}
