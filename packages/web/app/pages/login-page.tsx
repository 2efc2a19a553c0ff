// The first screen after `pithead up`: the code it printed, traded for the keys it created.

import { type FormEvent, useState } from "react";
import { ErrorNotice } from "../components/notice.tsx";
import { Link } from "../lib/router.tsx";
import { useApp } from "../session/app-context.tsx";
import { logInWithCode } from "../session/login.ts";

export function LoginPage() {
  const { setConnections } = useApp();
  const [code, setCode] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setConnections(await logInWithCode(code));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="login">
      <h1>Log in to Pithead</h1>
      <p>
        Enter the login code <code>pithead up</code> printed when it started. When its output goes to a file or a log,
        the code is in the file <code>login-code</code> in its data directory (<code>./data/login-code</code> unless it
        was started with <code>--data</code>). The dashboard keeps the keys it receives in this tab only.
      </p>
      <form onSubmit={submit} className="stack">
        <label htmlFor="login-code">Login code</label>
        <input
          id="login-code"
          className="code-input"
          name="code"
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          required
          maxLength={64}
          placeholder="ABCD-EFGH"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          aria-describedby={error ? "login-error" : undefined}
        />
        <div>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Logging in…" : "Log in"}
          </button>
        </div>
        <div id="login-error">
          <ErrorNotice error={error} />
        </div>
      </form>
      <p className="muted">
        Services deployed separately? <Link to="/connections">Enter their keys on Connections</Link>.
      </p>
    </section>
  );
}
