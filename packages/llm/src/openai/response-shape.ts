// What an OpenAI-compatible server answered, checked before it is used. The SDK hands over its
// parsed body as is (`{}`, a string, `null`…), so reading `choices[0]` blindly turned a broken
// server into a TypeError reported as a network failure. A body without a completion is refused
// here with what was wrong, so the caller can say "the server answered nonsense", not "unreachable".

/** The server answered HTTP 200 with something that is not a completion; the message says what. */
export class InvalidResponse extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = "InvalidResponse";
  }
}

export type CompletionKind = "chat" | "text";

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

export interface Completion {
  text: string;
  finish: string | null | undefined;
  usage: Usage | undefined;
  model: string | undefined;
}

/** One stream chunk: any of its parts may be absent (usage-only chunks have no choice). */
export interface CompletionChunk {
  /** Whether the chunk carries a choice (usage-only chunks do not). */
  hasChoice: boolean;
  text: string | undefined;
  finish: string | null | undefined;
  usage: Usage | undefined;
  model: string | undefined;
}

const PREVIEW_CHARS = 120;

/** A short, printable rendering of what the server sent, for the error message. */
export function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, " ");
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS)}…` : flat;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function body(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === "") throw new InvalidResponse(`an empty ${what}`);
  if (typeof value === "string") throw new InvalidResponse(`a ${what} that is not JSON: ${preview(value)}`);
  if (!isObject(value))
    throw new InvalidResponse(`a ${what} that is ${kindOf(value)}, not an object: ${preview(value)}`);
  return value;
}

function choicesOf(value: Record<string, unknown>, what: string): unknown[] {
  if (isObject(value.error)) {
    const message = typeof value.error.message === "string" ? value.error.message : preview(value.error);
    throw new InvalidResponse(`an error instead of a ${what}: ${message}`);
  }
  if (!Array.isArray(value.choices)) throw new InvalidResponse(`a ${what} without a "choices" list: ${preview(value)}`);
  return value.choices;
}

const usageOf = (value: Record<string, unknown>) => (isObject(value.usage) ? (value.usage as Usage) : undefined);
const modelOf = (value: Record<string, unknown>) =>
  typeof value.model === "string" && value.model !== "" ? value.model : undefined;
const finishOf = (choice: Record<string, unknown>) =>
  typeof choice.finish_reason === "string" ? choice.finish_reason : undefined;

/** The text of a chat message or a text choice; null and absent are "no completion". */
function textOf(choice: Record<string, unknown>, kind: CompletionKind, where: string): string | null | undefined {
  if (kind === "text") {
    const { text } = choice;
    if (text === undefined || text === null || typeof text === "string") return text;
    throw new InvalidResponse(`${where}.text is ${kindOf(text)}, not text`);
  }
  const part = choice.delta ?? choice.message;
  const name = choice.delta !== undefined ? "delta" : "message";
  if (part === undefined || part === null) return undefined;
  if (!isObject(part)) throw new InvalidResponse(`${where}.${name} is ${kindOf(part)}, not an object`);
  const { content, refusal } = part;
  if (content === undefined || content === null) {
    if (typeof refusal === "string" && refusal !== "") throw new InvalidResponse(`the model refused: ${refusal}`);
    return content;
  }
  if (typeof content !== "string")
    throw new InvalidResponse(`${where}.${name}.content is ${kindOf(content)}, not text`);
  return content;
}

/** A whole (non-streamed) completion; throws InvalidResponse when there is none. */
export function completionOf(value: unknown, kind: CompletionKind): Completion {
  const response = body(value, "body");
  const choices = choicesOf(response, "completion");
  const [first] = choices;
  if (first === undefined) throw new InvalidResponse('no completion ("choices" is empty)');
  if (!isObject(first)) throw new InvalidResponse(`choices[0] is ${kindOf(first)}, not an object`);
  const text = textOf(first, kind, "choices[0]");
  if (text === undefined || text === null) {
    const field = kind === "chat" ? "choices[0].message.content" : "choices[0].text";
    throw new InvalidResponse(`no completion (${field} is ${text === null ? "null" : "missing"})`);
  }
  return { text, finish: finishOf(first), usage: usageOf(response), model: modelOf(response) };
}

/** One server-sent chunk of a streamed completion. */
export function chunkOf(value: unknown, kind: CompletionKind): CompletionChunk {
  const chunk = body(value, "stream chunk");
  const choices = choicesOf(chunk, "stream chunk");
  const first = choices[0];
  if (first !== undefined && !isObject(first)) throw new InvalidResponse(`a chunk's choices[0] is ${kindOf(first)}`);
  return {
    hasChoice: first !== undefined,
    text: first === undefined ? undefined : (textOf(first, kind, "a chunk's choices[0]") ?? undefined),
    finish: first === undefined ? undefined : finishOf(first),
    usage: usageOf(chunk),
    model: modelOf(chunk),
  };
}
