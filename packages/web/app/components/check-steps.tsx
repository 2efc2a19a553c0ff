// The result of a check made in the browser, step by step: what was compared, and whether it held.

import type { Step } from "../verify/inclusion.ts";

export function CheckSteps({ title, ok, steps }: { title: string; ok: boolean; steps: Step[] }) {
  return (
    <section className={`check ${ok ? "check-ok" : "check-bad"}`} aria-label={title}>
      <p className="check-verdict" role="status">
        <span aria-hidden="true">{ok ? "✔" : "✖"}</span> {title}: {ok ? "valid" : "NOT valid"}
      </p>
      <ol className="check-steps">
        {steps.map((step) => (
          <li key={step.label} className={step.ok ? "step-ok" : "step-bad"}>
            <span className="visually-hidden">{step.ok ? "passed" : "failed"}: </span>
            <span aria-hidden="true">{step.ok ? "✔" : "✖"}</span> <strong>{step.label}</strong>{" "}
            <span className="muted">{step.detail}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
