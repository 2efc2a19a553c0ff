// The submit form's draft and its check: the request to send, or the first problem, named by
// field, before anything leaves the browser.

import type { SubmitJob } from "../../api/coordinator.ts";

export interface Draft {
  workload: string;
  prompt: string;
  maxTokens: string;
  params: string;
  reward: string;
  maxRuntime: string;
  verification: "none" | "replicate";
  replicas: string;
  quorum: string;
}

/** The request, or the first problem as "field: message". */
export function buildJob(draft: Draft): SubmitJob | string {
  const whole = (text: string, name: string, min: number, max: number): number | string => {
    // A minus sign still makes a whole number: say the range, not "enter a whole number".
    if (!/^-?\d+$/.test(text.trim())) return `${name}: enter a whole number`;
    const value = Number(text);
    return value < min || value > max ? `${name}: must be between ${min} and ${max}` : value;
  };
  let params: unknown;
  if (draft.workload === "llm_gen") {
    if (draft.prompt.trim() === "") return "Prompt: enter the text to continue";
    const maxTokens = whole(draft.maxTokens, "Max tokens", 1, 4096);
    if (typeof maxTokens === "string") return maxTokens;
    params = { prompt: draft.prompt, max_tokens: maxTokens };
  } else {
    try {
      params = draft.params.trim() === "" ? {} : JSON.parse(draft.params);
    } catch (error) {
      return `Parameters: not JSON (${(error as Error).message})`;
    }
  }
  const reward = whole(draft.reward, "Reward", 0, 1_000_000_000_000);
  if (typeof reward === "string") return reward;
  const job: SubmitJob = { workload: draft.workload, params, reward };
  if (draft.maxRuntime.trim() !== "") {
    const runtime = whole(draft.maxRuntime, "Max runtime", 1, 7 * 86_400);
    if (typeof runtime === "string") return runtime;
    job.max_runtime_s = runtime;
  }
  if (draft.verification === "replicate") {
    const replicas = whole(draft.replicas, "Replicas", 2, 16);
    if (typeof replicas === "string") return replicas;
    const quorum = whole(draft.quorum, "Quorum", 1, replicas);
    if (typeof quorum === "string") return quorum;
    job.verification = { mode: "replicate", replicas, quorum };
  } else {
    job.verification = { mode: "none" };
  }
  return job;
}
