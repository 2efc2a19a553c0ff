// `pithead llm …`: write the tiny test model, inspect GGUF files, list GPUs, and run a prompt
// through any provider (the embedded GGUF one or an OpenAI-compatible server).

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import {
  createProvider,
  detectGpus,
  type GenerateRequest,
  type GgufHeader,
  type GgufMetadataValue,
  isLlmError,
  metadataNumber,
  metadataString,
  type ProviderConfig,
  readGgufHeader,
  TINY_MODEL_VERSION,
  validateRequest,
  writeTinyModel,
} from "@pithead/llm";
import { Command, InvalidArgumentError, Option } from "commander";
import { EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { spinner } from "../progress.ts";

function wholeNumber(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

function decimal(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The `generate` option that sets each provider setting or request field, to name it in errors. */
const FLAG_OF_SETTING: Record<string, string> = {
  model: "--model",
  modelPath: "--model",
  baseUrl: "--base-url",
  apiKey: "--api-key (or $OPENAI_API_KEY)",
  gpu: "--gpu",
  contextSize: "--context-size",
  timeoutMs: "--timeout",
  maxTokens: "--max-tokens",
  temperature: "--temperature",
  seed: "--seed",
  stop: "--stop",
};

/** The flag a setting or request field came from: `stop[1]` is the second `--stop`. */
function flagOf(field: string): string | undefined {
  const indexed = /^(\w+)\[(\d+)\]$/.exec(field);
  if (!indexed) return FLAG_OF_SETTING[field];
  const flag = FLAG_OF_SETTING[indexed[1] ?? ""];
  return flag && `${flag} #${Number(indexed[2]) + 1}`;
}

/**
 * Prints an LlmError (or any error) as one line and exits non-zero: 2 for a setting or request value
 * that is missing or out of range (the user gave it with a flag), 1 for what failed when it ran.
 */
function failWith(error: unknown): never {
  if (isLlmError(error)) {
    // A setting's name is the library's; the user typed a flag, so the flag is named instead.
    const badValue = error.code === "INVALID_CONFIG" || error.code === "INVALID_REQUEST";
    const field = error.details.field ?? "";
    const flag = badValue ? flagOf(field) : undefined;
    const message = flag && error.message.startsWith(field) ? flag + error.message.slice(field.length) : error.message;
    fail(`${message} [${error.code}]`, badValue ? EXIT_USAGE : 1);
  }
  fail(errorMessage(error));
}

function isTinyModel(file: string): boolean {
  try {
    return metadataNumber(readGgufHeader(file), "pithead.tiny_model.version") !== undefined;
  } catch {
    return false;
  }
}

/** Metadata for display: long arrays (token lists) are summarised. */
function displayValue(value: GgufMetadataValue): unknown {
  if (Array.isArray(value)) return value.length > 16 ? `[${value.length} items]` : value.map(displayValue);
  return typeof value === "bigint" ? value.toString() : value;
}

function summarise(file: string, header: GgufHeader) {
  const architecture = metadataString(header, "general.architecture") ?? "unknown";
  const parameters = header.tensors.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
  const types = new Map<string, number>();
  for (const t of header.tensors) types.set(t.typeName, (types.get(t.typeName) ?? 0) + 1);
  return {
    file,
    bytes: header.fileSize,
    ggufVersion: header.version,
    architecture,
    name: metadataString(header, "general.name"),
    contextLength: metadataNumber(header, `${architecture}.context_length`),
    layers: metadataNumber(header, `${architecture}.block_count`),
    embeddingLength: metadataNumber(header, `${architecture}.embedding_length`),
    tokenizer: metadataString(header, "tokenizer.ggml.model"),
    vocabulary: (header.metadata.get("tokenizer.ggml.tokens") as unknown[] | undefined)?.length,
    chatTemplate: header.metadata.has("tokenizer.chat_template"),
    parameters,
    tensors: header.tensors.length,
    tensorTypes: Object.fromEntries(types),
    metadata: Object.fromEntries([...header.metadata].map(([key, value]) => [key, displayValue(value)])),
  };
}

function tinyModelCommand(): Command {
  return new Command("tiny-model")
    .description(
      "Write Pithead's tiny deterministic GGUF model (llama architecture, 2 layers, 64-dim, 260 byte tokens, ~470 KB). " +
        "Greedy decoding continues printable ASCII ('abc' → 'defg…', '~' wraps to '!'), answers chat with 'ABCD…', and ends the text after a non-ASCII byte.",
    )
    .argument("<file>", "where to write the .gguf file")
    .option("--force", "overwrite an existing file that is not a Pithead tiny model")
    .option("--json", "print the result as JSON")
    .action((file: string, options: { force?: boolean; json?: boolean }) => {
      if (existsSync(file) && !options.force && !isTinyModel(file)) {
        fail(`${file} exists and is not a Pithead tiny model; pass --force to overwrite it`);
      }
      try {
        const { bytes } = writeTinyModel(file);
        const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");
        printResult(
          options.json === true,
          { file, bytes, sha256, version: TINY_MODEL_VERSION },
          () => `wrote ${file} (${bytes} bytes, sha256 ${sha256})`,
        );
      } catch (error) {
        failWith(error);
      }
    });
}

function inspectCommand(): Command {
  return new Command("inspect")
    .description(
      "Check a GGUF model file and show its architecture, size, tokenizer and tensors (reads only the header)",
    )
    .argument("<file>", "a .gguf file")
    .option("--json", "print everything as JSON, metadata included")
    .action((file: string, options: { json?: boolean }) => {
      let summary: ReturnType<typeof summarise>;
      try {
        summary = summarise(file, readGgufHeader(file));
      } catch (error) {
        failWith(error);
      }
      printResult(options.json === true, summary, () =>
        [
          `${summary.file}: GGUF v${summary.ggufVersion}, ${summary.bytes} bytes`,
          `  architecture   ${summary.architecture}${summary.name ? ` (${summary.name})` : ""}`,
          `  context        ${summary.contextLength ?? "?"} tokens, ${summary.layers ?? "?"} layers, ${summary.embeddingLength ?? "?"}-dim`,
          `  tokenizer      ${summary.tokenizer ?? "?"}, ${summary.vocabulary ?? "?"} tokens${summary.chatTemplate ? ", chat template" : ""}`,
          `  parameters     ${summary.parameters.toLocaleString("en-US")} in ${summary.tensors} tensors (${Object.entries(
            summary.tensorTypes,
          )
            .map(([type, n]) => `${n} ${type}`)
            .join(", ")})`,
        ].join("\n"),
      );
    });
}

function gpusCommand(): Command {
  return new Command("gpus")
    .description("List NVIDIA GPUs (through nvidia-smi); prints none when there is no NVIDIA driver")
    .option("--json", "print the list as JSON")
    .action(async (options: { json?: boolean }) => {
      const gpus = await detectGpus();
      printResult(options.json === true, gpus, () =>
        gpus.length === 0
          ? "no NVIDIA GPU found (nvidia-smi missing or failing)"
          : gpus.map((g) => `${g.name}  ${g.memoryMb} MiB`).join("\n"),
      );
    });
}

interface GenerateOptions {
  provider: ProviderConfig["provider"];
  model?: string;
  modelId?: string;
  baseUrl?: string;
  apiKey?: string;
  gpu?: "auto" | "cpu" | "cuda";
  contextSize?: number;
  dataDir: string;
  chat?: boolean;
  system?: string;
  maxTokens: number;
  temperature?: number;
  seed?: number;
  stop?: string[];
  timeout?: number;
  json?: boolean;
}

function generateCommand(): Command {
  return (
    new Command("generate")
      .description("Run one prompt through an LLM provider and stream the answer (default: the embedded tiny model)")
      .argument("<prompt>", "the prompt: raw text to continue, or the user message with --chat")
      .addOption(
        new Option("--provider <kind>", "local (GGUF in-process), openai or vllm")
          .choices(["local", "openai", "vllm"])
          .default("local"),
      )
      .option(
        "--model <file|id>",
        "local: the .gguf file (default: the tiny model under --data-dir); openai/vllm: the model id on the server",
      )
      // The former name for a remote model id, kept for scripts that use it.
      .addOption(new Option("--model-id <id>", "openai/vllm: same as --model").hideHelp())
      .option("--base-url <url>", "openai/vllm: the API base URL, e.g. http://127.0.0.1:8000/v1")
      .option(
        "--api-key <key>",
        "openai/vllm: API key (better: set $OPENAI_API_KEY, arguments are visible to other users)",
      )
      .addOption(new Option("--gpu <mode>", "local: auto, cpu or cuda").choices(["auto", "cpu", "cuda"]))
      .option("--context-size <tokens>", "local: context window per request", wholeNumber("--context-size", 32))
      .option("--data-dir <dir>", "local: where the default tiny model lives", "./data")
      .option("--chat", "send the prompt as a chat message (the model's chat template applies)")
      .option("--system <text>", "with --chat: a system message first")
      .option("--max-tokens <n>", "most tokens to generate", wholeNumber("--max-tokens", 1), 128)
      .option("--temperature <t>", "sampling temperature (0 = greedy)", decimal("--temperature"))
      .option("--seed <n>", "sampling seed", wholeNumber("--seed", 0))
      .option("--stop <text>", "stop sequence (repeatable)", collect)
      .option("--timeout <ms>", "deadline for the request", wholeNumber("--timeout", 1))
      .option("--json", "print the whole result as JSON instead of streaming text")
      .action(async (prompt: string, options: GenerateOptions) => {
        const remote = options.provider !== "local";
        if (options.modelId !== undefined && !remote) {
          fail("--model-id is for --provider openai or vllm; for a local model give its file with --model", EXIT_USAGE);
        }
        if (
          remote &&
          options.model !== undefined &&
          options.modelId !== undefined &&
          options.model !== options.modelId
        ) {
          fail("--model and --model-id name different models: give one of them", EXIT_USAGE);
        }
        const modelId = remote ? (options.model ?? options.modelId) : undefined;
        if (remote && modelId === undefined) {
          fail(
            `--model <id> is required with --provider ${options.provider}: the model's id on the server (e.g. gpt-4o-mini)`,
            EXIT_USAGE,
          );
        }
        const config: ProviderConfig = {
          provider: options.provider,
          modelPath: remote ? undefined : options.model,
          dataDir: options.dataDir,
          gpu: options.gpu,
          contextSize: options.contextSize,
          baseUrl: options.baseUrl,
          // An empty $OPENAI_API_KEY is no key (a keyless vLLM), not an empty one the SDK refuses.
          apiKey: options.apiKey ?? (remote ? process.env.OPENAI_API_KEY || undefined : undefined),
          model: modelId,
        };
        if (options.system !== undefined && !options.chat) {
          fail("--system is a chat message: give --chat too (without it the prompt is raw text)", EXIT_USAGE);
        }
        const request: GenerateRequest = {
          ...(options.chat
            ? {
                messages: [
                  ...(options.system ? [{ role: "system" as const, content: options.system }] : []),
                  { role: "user" as const, content: prompt },
                ],
              }
            : { prompt }),
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          seed: options.seed,
          stop: options.stop,
          timeoutMs: options.timeout,
        };
        // Before the model loads (seconds for a real one): a sampling flag out of range is said at once.
        try {
          validateRequest(request);
        } catch (error) {
          failWith(error);
        }
        const loading = options.provider === "local" ? spinner("loading the model") : undefined;
        let llm: Awaited<ReturnType<typeof createProvider>>;
        try {
          llm = await createProvider(config);
          loading?.succeed(`loaded ${llm.info().model} (${llm.info().accelerator})`);
        } catch (error) {
          loading?.fail("could not load the model");
          failWith(error);
        }
        try {
          if (options.json) {
            printResult(true, { ...(await llm.generate(request)), provider: llm.info() }, () => "");
          } else {
            for await (const event of llm.stream(request)) {
              if (event.type === "text") process.stdout.write(event.text);
              else {
                const { completionTokens, finishReason, timing } = event.result;
                process.stdout.write("\n");
                process.stderr.write(
                  `${completionTokens} tokens in ${Math.round(timing.totalMs)} ms (${finishReason})\n`,
                );
              }
            }
          }
        } catch (error) {
          failWith(error);
        } finally {
          await llm.close();
        }
      })
  );
}

export function registerLlmCommands(program: Command): void {
  program.addCommand(
    new Command("llm")
      .description("LLM tools: the tiny test model, GGUF inspection, GPUs, and one-off generation")
      .addCommand(tinyModelCommand())
      .addCommand(inspectCommand())
      .addCommand(gpusCommand())
      .addCommand(generateCommand()),
  );
}
