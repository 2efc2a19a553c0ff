import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LeasedJob } from "../src/index.ts";
import { LlmGenWorkload, remainingMs } from "../src/workloads/llm-gen.ts";
import { isPng, SdInferWorkload } from "../src/workloads/sd-infer.ts";
import { TorchBenchWorkload } from "../src/workloads/torch-bench.ts";
import { WorkloadError } from "../src/workloads/workload.ts";
import { startA1111Server } from "./support/a1111-server.ts";

const cpu = { accel: "cpu" as const, vramMb: 0, freeRamMb: () => 8000 };

/**
 * torch_bench's computation redone in exact int64 arithmetic: the digest an exact result must have,
 * of the matrix as little-endian int32 bytes (struct's "<i", no NumPy).
 */
const INT64_REFERENCE = `
import hashlib, json, struct, sys, torch
a = json.loads(sys.stdin.read()); n, p, seed = a["n"], a["p"], a["seed"]
i = torch.arange(n * n, dtype=torch.int64)
v = (i * 1103515245 + 12345 + seed) % 2147483648
v = (v * 1103515245 + 12345) % 2147483648
x = ((v >> 16) % p).reshape(n, n)
for _ in range(a["iters"]):
    x = (x @ x) % p
print(hashlib.sha256(struct.pack(f"<{n * n}i", *x.flatten().tolist())).hexdigest())
`;
/**
 * Runs the Python script named by argv[1] in a torch without NumPy, as a pip torch installed alone
 * is: Tensor.numpy() raises "Numpy is not available" and `import numpy` fails. (Debian's torch
 * imports NumPy itself, so it is loaded first and then hidden from the script.)
 */
const WITHOUT_NUMPY = `
import runpy, sys, torch
def no_numpy(self, *args, **kwargs):
    raise RuntimeError("Numpy is not available")
torch.Tensor.numpy = no_numpy
class NoNumpy:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("No module named 'numpy'")
for name in [m for m in sys.modules if m == "numpy" or m.startswith("numpy.")]:
    del sys.modules[name]
sys.meta_path.insert(0, NoNumpy())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
`;
const TORCH_BENCH_SCRIPT = fileURLToPath(new URL("../src/workloads/torch-bench.py", import.meta.url));
const limits = { maxRuntimeS: 60, vramMb: 0, freeRamMb: 8000 };

function job(workload: string, params: unknown): LeasedJob {
  return {
    id: "0b6f3c2e-1d4a-4c8b-9e7f-2a1b3c4d5e6f",
    workload,
    params,
    lease_expires_at: "",
    attempt: 1,
    max_runtime_s: 60,
  };
}

function ctx(signal = new AbortController().signal) {
  return { signal, workDir: mkdtempSync(join(tmpdir(), "miner-job-")), limits };
}

/** llm_gen on the embedded tiny model, its files in a fresh temporary directory. */
function tinyModelWorkload(dirPrefix: string, parallel: number): LlmGenWorkload {
  return new LlmGenWorkload({
    provider: "local",
    model: undefined,
    baseUrl: undefined,
    apiKey: undefined,
    contextSize: 2048,
    dataDir: mkdtempSync(join(tmpdir(), dirPrefix)),
    parallel,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkloadError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a WorkloadError");
}

describe("llm_gen on the embedded tiny model", () => {
  const llm = tinyModelWorkload("miner-llm-", 2);
  beforeAll(async () => {
    const availability = await llm.detect(cpu);
    expect(availability).toMatchObject({ available: true, models: ["pithead-tiny-260"] });
  });
  afterAll(() => llm.close());

  it("continues the prompt predictably and reports tokens and tokens/s", async () => {
    const result = await llm.run(job("llm_gen", { prompt: "abc", max_tokens: 8 }), ctx());
    expect(result.output).toBe("defghijk");
    expect(result.contentType).toBe("text/plain; charset=utf-8");
    expect(result.metrics).toMatchObject({ tokens: 8, model: "pithead-tiny-260", finish_reason: "length" });
    expect(result.metrics.prompt_tokens).toBeGreaterThan(0);
    expect(result.metrics.tokens_per_s).toBeGreaterThan(0);
    // No GPU here: no energy figures rather than made-up ones.
    expect(result.metrics.tokens_per_kJ).toBeUndefined();
  });

  it("tells the miner how long it still runs, at the pace so far, down to 0 at its last token", async () => {
    const estimates: number[] = [];
    const result = await llm.run(job("llm_gen", { prompt: "abc", max_tokens: 200 }), {
      ...ctx(),
      endsIn: (ms) => estimates.push(ms),
    });
    expect(result.metrics.tokens).toBe(200);
    const finite = estimates.filter(Number.isFinite);
    expect(finite.length).toBeGreaterThan(100);
    expect(finite.at(-1)).toBe(0);
    // Each estimate is the tokens left times the pace so far: the last one before the end is the
    // smallest but one, and the first is no smaller than the last.
    expect(finite[0]).toBeGreaterThan(0);
    expect(finite[0]).toBeGreaterThanOrEqual(finite.at(-2) ?? 0);
  });

  it("estimates the time left as the tokens left at the pace between the first token and now", () => {
    expect(remainingMs({ completionTokens: 11, maxTokens: 111, sinceFirstTokenMs: 50 })).toBe(500);
    expect(remainingMs({ completionTokens: 111, maxTokens: 111, sinceFirstTokenMs: 50 })).toBe(0);
    // One token gives no pace yet.
    expect(remainingMs({ completionTokens: 1, maxTokens: 111, sinceFirstTokenMs: 0 })).toBe(Number.POSITIVE_INFINITY);
  });

  it("honours stop sequences", async () => {
    const result = await llm.run(job("llm_gen", { prompt: "abc", max_tokens: 20, stop: ["h"] }), ctx());
    expect(result.output).toBe("defg");
  });

  it("refuses bad params naming the field, and a model it does not serve", async () => {
    expect(await codeOf(llm.run(job("llm_gen", { max_tokens: 5 }), ctx()))).toMatch(
      /^BAD_PARAMS: params needs exactly one of prompt/,
    );
    expect(await codeOf(llm.run(job("llm_gen", { prompt: "a", max_tokens: 0 }), ctx()))).toMatch(
      /^BAD_PARAMS: params.max_tokens/,
    );
    expect(await codeOf(llm.run(job("llm_gen", { prompt: "a", temperature: "hot" }), ctx()))).toMatch(
      /params.temperature/,
    );
    expect(await codeOf(llm.run(job("llm_gen", { prompt: "a", model: "llama-70b" }), ctx()))).toBe(
      "MODEL_NOT_AVAILABLE: this miner serves model pithead-tiny-260, not llama-70b",
    );
  });

  it("stops generating when the job's signal fires", async () => {
    const controller = new AbortController();
    const running = llm.run(job("llm_gen", { prompt: "abc", max_tokens: 1500 }), ctx(controller.signal));
    setTimeout(() => controller.abort(new Error("deadline")), 100);
    await expect(running).rejects.toThrow("deadline");
  });
});

describe("llm_gen on a GPU box: energy from nvidia-smi power samples", () => {
  // The GPU is what is faked: an nvidia-smi on PATH that reports a board drawing a steady 150 W,
  // a tick every 50 ms in -lms mode, as the real one prints until it is killed.
  const bin = mkdtempSync(join(tmpdir(), "miner-smi-"));
  writeFileSync(
    join(bin, "nvidia-smi"),
    `#!/bin/sh
case "$*" in
  *-lms*) while :; do printf '0, 150.00, 81559, 2000, NVIDIA H100 80GB HBM3\\n'; sleep 0.05; done ;;
  *) printf 'NVIDIA H100 80GB HBM3, 81559\\n' ;;
esac
`,
  );
  chmodSync(join(bin, "nvidia-smi"), 0o755);
  const path = process.env.PATH;
  const llm = tinyModelWorkload("miner-llm-gpu-", 1);
  beforeAll(async () => {
    process.env.PATH = `${bin}:${path}`;
    expect(await llm.detect({ accel: "gpu", vramMb: 81_559, freeRamMb: () => 8000 })).toMatchObject({
      available: true,
    });
  });
  afterAll(async () => {
    process.env.PATH = path;
    await llm.close();
  });

  it("reports joules, average watts and tokens per kJ for the generation", async () => {
    const result = await llm.run(job("llm_gen", { prompt: "abc", max_tokens: 64 }), ctx());
    const { tokens, seconds, energy_j, avg_watts, tokens_per_kJ } = result.metrics as {
      [name in "tokens" | "seconds" | "energy_j" | "avg_watts" | "tokens_per_kJ"]: number;
    };
    expect(tokens).toBe(64);
    expect(energy_j).toBeGreaterThan(0);
    // A steady 150 W board: the average is 150 W, and the integral covers at least the generation
    // (the sampling window runs from before it starts to after it ends).
    expect(avg_watts).toBeCloseTo(150, 0);
    expect(energy_j).toBeGreaterThanOrEqual(150 * seconds * 0.99);
    // energy_j is rounded to 0.01 J for the report; tokens_per_kJ comes from the unrounded figure.
    expect(Math.abs(tokens_per_kJ / (tokens / (energy_j / 1000)) - 1)).toBeLessThan(0.01);
  });
});

describe("llm_gen availability", () => {
  it("is not offered when the model file is missing, and says so", async () => {
    const llm = new LlmGenWorkload({
      provider: "local",
      model: "/nonexistent/model.gguf",
      baseUrl: undefined,
      apiKey: undefined,
      contextSize: undefined,
      dataDir: tmpdir(),
      parallel: 1,
    });
    const availability = await llm.detect(cpu);
    expect(availability.available).toBe(false);
    expect(availability.reason).toMatch(/cannot load the local model: .*\/nonexistent\/model.gguf/);
  });
});

describe("sd_infer through an AUTOMATIC1111-compatible API", () => {
  it("is not offered without SD_URL", async () => {
    expect(await new SdInferWorkload(undefined).detect(cpu)).toMatchObject({
      available: false,
      reason: expect.stringMatching(/set SD_URL/),
    });
  });

  it("returns the backend's PNG as the output bytes", async () => {
    await using backend = await startA1111Server();
    const sd = new SdInferWorkload(backend.url);
    expect(await sd.detect(cpu)).toMatchObject({ available: true, models: ["sd15"] });
    const result = await sd.run(
      job("sd_infer", { prompt: "a red square", steps: 4, width: 64, height: 64, seed: 7 }),
      ctx(),
    );
    expect(result.contentType).toBe("image/png");
    expect(isPng(result.output as Buffer)).toBe(true);
    expect(Buffer.compare(result.output as Buffer, backend.png)).toBe(0);
    expect(result.metrics).toMatchObject({ steps: 4, width: 64, height: 64, bytes: backend.png.length });
    const sent = backend.requests.find((r) => r.path === "/sdapi/v1/txt2img")?.body;
    expect(sent).toMatchObject({ prompt: "a red square", steps: 4, width: 64, height: 64, seed: 7, batch_size: 1 });
  });

  it("refuses bad params naming the field", async () => {
    const sd = new SdInferWorkload("http://127.0.0.1:1");
    expect(await codeOf(sd.run(job("sd_infer", { prompt: "x", width: 100 }), ctx()))).toMatch(
      /params.width must be a multiple of 8/,
    );
    expect(await codeOf(sd.run(job("sd_infer", {}), ctx()))).toMatch(/params.prompt is required/);
  });

  it("on abort drops the request and tells the backend to interrupt", async () => {
    await using backend = await startA1111Server();
    backend.hang = true;
    const controller = new AbortController();
    const running = new SdInferWorkload(backend.url).run(job("sd_infer", { prompt: "slow" }), ctx(controller.signal));
    for (let i = 0; i < 200 && !backend.requests.some((r) => r.path === "/sdapi/v1/txt2img"); i++)
      await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error("deadline"));
    await expect(running).rejects.toThrow("deadline");
    for (let i = 0; i < 200 && backend.interrupts === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(backend.interrupts).toBe(1);
  });
});

describe("torch_bench", () => {
  it("is not offered when the Python is missing, and says which setting to change", async () => {
    const torch = new TorchBenchWorkload("/nonexistent/python3");
    expect(await torch.detect(cpu)).toEqual({
      available: false,
      reason: "/nonexistent/python3 not found (set TORCH_PYTHON)",
    });
  });

  /** A torch_bench on a python3 here that has torch (Debian's python3-torch is /usr/bin/python3; a pyenv one may lack it). */
  async function torchHere(): Promise<{ torch?: TorchBenchWorkload; python?: string; reasons: string[] }> {
    const reasons: string[] = [];
    for (const python of ["python3", "/usr/bin/python3"]) {
      const candidate = new TorchBenchWorkload(python);
      const availability = await candidate.detect(cpu);
      reasons.push(availability.reason);
      if (availability.available) return { torch: candidate, python, reasons };
    }
    for (const reason of reasons) expect(reason).toMatch(/has no torch module|not found|failed/);
    return { reasons };
  }

  it("runs the seed's benchmark when a python3 here has torch (else says why not), and is killed at its deadline", async () => {
    const { torch } = await torchHere();
    if (!torch) return;
    const result = await torch.run(job("torch_bench", { n: 64, iters: 5 }), ctx());
    expect(result.metrics).toMatchObject({ n: 64, iters: 5, device: "cpu" });
    // The output is the benchmark's result; its timings are metrics only (they differ per run).
    expect(JSON.parse(String(result.output))).toMatchObject({ workload: "torch_bench", n: 64, iters: 5 });
    expect(result.metrics.tflops).toBeGreaterThanOrEqual(0);

    const controller = new AbortController();
    const long = torch.run(job("torch_bench", { n: 1024, iters: 100_000 }), ctx(controller.signal));
    setTimeout(() => controller.abort(new Error("max runtime")), 300);
    await expect(long).rejects.toThrow("max runtime");
  });
  it("reports TFLOP/s of a small CPU run to 4 significant digits, agreeing with the work over the seconds (not 0.0 or 0.0016)", async () => {
    const { torch } = await torchHere();
    if (!torch) return;
    const n = 16;
    const iters = 2;
    const { metrics } = await torch.run(job("torch_bench", { n, iters }), ctx());
    const tflops = metrics.tflops as number;
    const seconds = metrics.seconds as number;
    expect(tflops).toBeGreaterThan(0);
    expect(Number(tflops.toPrecision(4))).toBe(tflops);
    // Both rounded to 4 significant digits, the two agree to within a tenth of a percent.
    expect(Math.abs(tflops / ((2 * n ** 3 * iters) / seconds / 1e12) - 1)).toBeLessThan(0.001);
  });

  it("proves the same output on every replica — an exact result, not timings — so replicate reaches a quorum", async () => {
    const { torch, python } = await torchHere();
    if (!torch || !python) return;
    const replica = (id: string) => torch.run({ ...job("torch_bench", { n: 96, iters: 4 }), id }, ctx());
    const jobId = "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
    const [first, second, otherJob] = await Promise.all([
      replica(jobId),
      replica(jobId),
      replica("11111111-2222-4333-8444-555555555555"),
    ]);
    // Two runs of one job: the same proven bytes (same output_sha), whatever their timings.
    expect(String(second.output)).toBe(String(first.output));
    expect(String(first.output)).not.toMatch(/seconds|tflops|throughput/);
    expect(first.metrics).toHaveProperty("seconds");
    // Another job gets other inputs (seeded by its id), so a result cannot be replayed.
    expect(String(otherJob.output)).not.toBe(String(first.output));
    // Exact: the same product mod p in int64 (another summation order, no floats at all) gives the
    // same digest, so a GPU's float32 (any order, TF32 included) gives it too.
    const result = JSON.parse(String(first.output)) as { seed: number; modulus: number; digest: string };
    const reference = spawnSync(python, ["-c", INT64_REFERENCE], {
      input: JSON.stringify({ n: 96, iters: 4, seed: result.seed, p: result.modulus }),
      encoding: "utf8",
    });
    expect(reference.stderr).toBe("");
    expect(reference.stdout.trim()).toBe(result.digest);
  });

  it("proves the same digest with or without NumPy: the little-endian int32 bytes miners with NumPy proved", async () => {
    const { python } = await torchHere();
    if (!python) return;
    const input = JSON.stringify({ n: 64, iters: 5, seed: 123456789, device: "cpu" });
    const digestOf = (args: string[]) => {
      const ran = spawnSync(python, args, { input, encoding: "utf8" });
      expect(ran.status, ran.stderr).toBe(0);
      return (JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "") as { result: { digest: string } }).result.digest;
    };
    const withNumpy = digestOf([TORCH_BENCH_SCRIPT]);
    const withoutNumpy = digestOf(["-c", WITHOUT_NUMPY, TORCH_BENCH_SCRIPT]);
    // What a miner with NumPy proved for these inputs before the fix (ints.numpy().astype("<i4")):
    // results of miners already deployed stay valid, and one without NumPy agrees with them.
    const deployed = "ed0851426d4ed6688b609560b7be44be68d2291c62429ca6f901480e1aabe5e9";
    expect(withNumpy).toBe(deployed);
    expect(withoutNumpy).toBe(deployed);
    const reference = spawnSync(python, ["-c", INT64_REFERENCE], {
      input: JSON.stringify({ n: 64, iters: 5, seed: 123456789, p: 251 }),
      encoding: "utf8",
    });
    expect(reference.stdout.trim()).toBe(deployed);
  });
});
