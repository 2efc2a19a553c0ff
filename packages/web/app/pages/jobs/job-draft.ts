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

/**
 * What the Parameters box holds for a workload when the form opens on it: the fields its miners need
 * (sd_infer's prompt) and the usual ones at their defaults. The required fields mirror the
 * coordinator's rules (packages/coordinator/src/core/workload-params.ts); the dashboard does not
 * depend on the coordinator package, so they are written again here.
 */
const PARAMS_TEMPLATES: Record<string, object> = {
  sd_infer: { prompt: "a lighthouse on a cliff at dusk", steps: 20, width: 512, height: 512 },
  torch_bench: { n: 1024, iters: 100 },
};

export function paramsTemplate(workload: string): string {
  const template = PARAMS_TEMPLATES[workload];
  return template ? JSON.stringify(template, null, 2) : "{}";
}

/** The draft for another workload: its template replaces the parameters, unless the user wrote their own. */
export function withWorkload(draft: Draft, workload: string): Draft {
  const params = draft.params.trim();
  const untouched = params === "" || params === "{}" || draft.params === paramsTemplate(draft.workload);
  return { ...draft, workload, params: untouched ? paramsTemplate(workload) : draft.params };
}

/**
 * The problem to show after an edit: none before the first Submit found one; after it, the draft is
 * checked again, so fixing the field clears the message (and a problem left elsewhere replaces it).
 */
export function problemAfterEdit(shown: string | null, draft: Draft): string | null {
  if (shown === null) return null;
  const job = buildJob(draft);
  return typeof job === "string" ? job : null;
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
    // The one required field of the built-in workloads besides llm_gen's prompt (see PARAMS_TEMPLATES).
    const prompt = (params as { prompt?: unknown } | null)?.prompt;
    if (draft.workload === "sd_infer" && (typeof prompt !== "string" || prompt.trim() === ""))
      return 'Parameters: sd_infer needs "prompt", the text of the picture to draw';
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
