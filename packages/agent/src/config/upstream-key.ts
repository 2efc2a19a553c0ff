// An upstream key left at an example's placeholder ("sk-your-openai-api-key-here" in the
// reference's .env.example) starts fine and then fails every model call: said at start instead.

import type { LlmSettings } from "./load-config.ts";

const PLACEHOLDER =
  /your[-_ ]?(openai[-_ ]?|vllm[-_ ]?)?(api[-_ ]?)?key|^sk-(\.\.\.|…|x+)$|^<.*>$|changeme|replace[-_ ]?me/i;

/** A warning for the log when the model server's key is plainly an example's placeholder. */
export function placeholderKeyWarning(llm: LlmSettings): string | undefined {
  if (llm.provider === "local" || !llm.apiKey || !PLACEHOLDER.test(llm.apiKey)) return undefined;
  const variable = llm.provider === "openai" ? "OPENAI_API_KEY" : "VLLM_API_KEY";
  return `${variable} looks like an example's placeholder, not a key: the model server will likely refuse every call (see llm in /health); set the real key`;
}
