// Submit a job: the workload, its parameters (a prompt for llm_gen, JSON for the others, starting
// from a template with the fields its miners need), the reward escrowed from the client's wallet,
// and how the result is verified. Bad input is named by field before anything is sent, and the
// message goes once the field is fixed; a coordinator's refusal stays until the form is edited. With
// the admin key the form also says which workloads the online miners run, and warns before a job
// no online miner can take (or more replicas than miners to run them).

import { type FormEvent, useId, useRef, useState } from "react";
import { coordinator, type Job, type MinerView } from "../../api/coordinator.ts";
import { ErrorNotice } from "../../components/notice.tsx";
import { plural } from "../../lib/format.ts";
import { buildJob, type Draft, paramsTemplate, problemAfterEdit, withWorkload } from "./job-draft.ts";
import { capacityWarning, onlineCapacity } from "./miner-capacity.ts";

const DEFAULT_WORKLOADS = ["llm_gen", "torch_bench", "sd_infer"];

export function SubmitForm({
  clientKey,
  miners,
  onSubmitted,
}: {
  clientKey: string;
  /** The coordinator's miners (undefined without the admin key: nothing is said about them). */
  miners: MinerView[] | undefined;
  onSubmitted: (job: Job) => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<Draft>({
    workload: "llm_gen",
    prompt: "Hello, miner",
    maxTokens: "16",
    params: paramsTemplate("llm_gen"),
    reward: "1000",
    maxRuntime: "",
    verification: "none",
    replicas: "3",
    quorum: "2",
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  // One key per submission attempt: a retry after a dropped answer replays instead of paying twice.
  const idempotencyKey = useRef(crypto.randomUUID());
  const change = (next: Draft) => {
    setDraft(next);
    setProblem(problemAfterEdit(problem, next));
    // The coordinator refused the form as it was sent: once edited, that answer is about values no
    // longer on screen (a new submit brings its own).
    setError(undefined);
    idempotencyKey.current = crypto.randomUUID();
  };
  const set = (patch: Partial<Draft>) => change({ ...draft, ...patch });
  const workloads = (miners ?? []).flatMap((miner) => miner.capabilities?.workloads ?? []);
  const options = [...new Set([...workloads, ...DEFAULT_WORKLOADS])];
  const capacity = miners && onlineCapacity(miners);
  const warning = capacity && capacityWarning(capacity, draft);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const job = buildJob(draft);
    if (typeof job === "string") {
      setProblem(job);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const created = await coordinator.submit(clientKey, job, idempotencyKey.current);
      idempotencyKey.current = crypto.randomUUID();
      onSubmitted(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="stack submit-form" aria-label="Submit a job" noValidate>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={`${id}-workload`}>Workload</label>
          <select
            id={`${id}-workload`}
            value={draft.workload}
            onChange={(event) => change(withWorkload(draft, event.target.value))}
            aria-describedby={capacity ? `${id}-workload-hint` : undefined}
          >
            {options.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          {capacity && (
            <p className="hint" id={`${id}-workload-hint`}>
              {capacity.size === 0
                ? "No miner is online."
                : `Online miners run ${[...capacity].map(([name, count]) => `${name} (${plural(count, "miner")})`).join(", ")}.`}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-reward`}>Reward</label>
          <input
            id={`${id}-reward`}
            inputMode="numeric"
            value={draft.reward}
            onChange={(event) => set({ reward: event.target.value })}
            aria-describedby={`${id}-reward-hint`}
          />
          <p className="hint" id={`${id}-reward-hint`}>
            In the smallest unit, escrowed from your wallet per replica.
          </p>
        </div>
      </div>
      {draft.workload === "llm_gen" ? (
        <>
          <div className="field">
            <label htmlFor={`${id}-prompt`}>Prompt</label>
            <textarea
              id={`${id}-prompt`}
              rows={3}
              value={draft.prompt}
              onChange={(event) => set({ prompt: event.target.value })}
            />
          </div>
          <div className="field narrow">
            <label htmlFor={`${id}-tokens`}>Max tokens</label>
            <input
              id={`${id}-tokens`}
              inputMode="numeric"
              value={draft.maxTokens}
              onChange={(event) => set({ maxTokens: event.target.value })}
            />
          </div>
        </>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-params`}>Parameters (JSON)</label>
          <textarea
            id={`${id}-params`}
            rows={6}
            spellCheck={false}
            value={draft.params}
            onChange={(event) => set({ params: event.target.value })}
          />
        </div>
      )}
      <div className="grid-2">
        <div className="field">
          <label htmlFor={`${id}-verification`}>Verification</label>
          <select
            id={`${id}-verification`}
            value={draft.verification}
            onChange={(event) => set({ verification: event.target.value as Draft["verification"] })}
          >
            <option value="none">none (first valid proof)</option>
            <option value="replicate">replicate (miners agree)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-runtime`}>Max runtime (s)</label>
          <input
            id={`${id}-runtime`}
            inputMode="numeric"
            placeholder="coordinator default"
            value={draft.maxRuntime}
            onChange={(event) => set({ maxRuntime: event.target.value })}
          />
        </div>
      </div>
      {draft.verification === "replicate" && (
        <div className="grid-2">
          <div className="field">
            <label htmlFor={`${id}-replicas`}>Replicas</label>
            <input
              id={`${id}-replicas`}
              inputMode="numeric"
              value={draft.replicas}
              onChange={(event) => set({ replicas: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-quorum`}>Quorum</label>
            <input
              id={`${id}-quorum`}
              inputMode="numeric"
              value={draft.quorum}
              onChange={(event) => set({ quorum: event.target.value })}
            />
          </div>
        </div>
      )}
      {warning && (
        <div className="notice notice-warn" role="status" data-testid="capacity-warning">
          {warning}
        </div>
      )}
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Submitting…" : "Submit job"}
        </button>
      </div>
      {problem && (
        <div className="notice notice-error" role="alert">
          {problem}
        </div>
      )}
      <ErrorNotice error={error} title="Not submitted" />
    </form>
  );
}
