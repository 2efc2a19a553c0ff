// The dashboard shell: asks the server what it offers, restores this tab's keys, and shows the
// login screen, the Connections page or the page the address names.

import { useEffect, useMemo, useRef, useState } from "react";
import { ErrorBoundary } from "./components/error-boundary.tsx";
import { ErrorNotice, Loading } from "./components/notice.tsx";
import { focusPageHeading } from "./lib/focus.ts";
import { Link, navigate, useLocation } from "./lib/router.tsx";
import { useLoad } from "./lib/use-load.ts";
import { AgentPage } from "./pages/agent-page.tsx";
import { ConnectionsPage } from "./pages/connections-page.tsx";
import { FleetPage } from "./pages/fleet-page.tsx";
import { JobPage } from "./pages/job-page.tsx";
import { JobsPage } from "./pages/jobs-page.tsx";
import { LedgerPage } from "./pages/ledger-page.tsx";
import { LoginPage } from "./pages/login-page.tsx";
import { AppContext, type AppState } from "./session/app-context.tsx";
import {
  type Connections,
  emptyConnections,
  forgetConnections,
  hasAnyKey,
  loadConnections,
  saveConnections,
} from "./session/connections.ts";
import { announceForget, onForgottenElsewhere } from "./session/forget-everywhere.ts";
import { fetchServerInfo } from "./session/login.ts";

const PAGES = [
  { path: "/jobs", label: "Jobs" },
  { path: "/fleet", label: "Fleet" },
  { path: "/ledger", label: "Ledger" },
  { path: "/agent", label: "Agent" },
  { path: "/connections", label: "Connections" },
] as const;

function pageFor(path: string) {
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) return <JobPage id={decodeURIComponent(job[1] as string)} />;
  switch (path) {
    case "/jobs":
      return <JobsPage />;
    case "/fleet":
      return <FleetPage />;
    case "/ledger":
      return <LedgerPage />;
    case "/agent":
      return <AgentPage />;
    case "/connections":
      return <ConnectionsPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page at <code>{path}</code>. <Link to="/jobs">Go to Jobs</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const { path } = useLocation();
  const server = useLoad((signal) => fetchServerInfo(signal), []);
  const [connections, setConnectionsState] = useState<Connections>(() => loadConnections() ?? emptyConnections());
  // Set when another tab's "Forget keys" logged this one out: said until the next login.
  const [forgottenElsewhere, setForgottenElsewhere] = useState(false);
  useEffect(
    () =>
      onForgottenElsewhere(() => {
        forgetConnections();
        setConnectionsState(emptyConnections());
        setForgottenElsewhere(true);
      }),
    [],
  );

  useEffect(() => {
    if (path === "/") navigate("/jobs", { replace: true });
  }, [path]);

  // A new page (a link, a submitted form, logging in or out): focus moves to its heading so
  // keyboard and screen-reader users land on it, whatever had focus before (often a button the
  // change removed). Not on the first page of a visit, nor its redirect from "/": focus starts at
  // the top of the document there.
  const signedIn = hasAnyKey(connections);
  const showLogin = !signedIn && Boolean(server.data?.loginCode) && path !== "/connections";
  const view = !server.data ? "loading" : showLogin ? "login" : path;
  const previousView = useRef<string | null>(null);
  useEffect(() => {
    const previous = previousView.current;
    previousView.current = view;
    if (previous !== null && previous !== "loading" && previous !== "/") focusPageHeading();
  }, [view]);

  const state = useMemo<AppState | null>(() => {
    if (!server.data) return null;
    return {
      server: server.data,
      connections,
      setConnections: (next) => {
        if (next) saveConnections(next);
        else {
          forgetConnections();
          announceForget();
        }
        setForgottenElsewhere(false);
        setConnectionsState(next ?? emptyConnections());
      },
    };
  }, [server.data, connections]);

  if (!state) {
    return (
      <main className="page" id="main">
        <h1>Pithead</h1>
        {server.error ? (
          <ErrorNotice error={server.error} title="The dashboard server did not answer" onRetry={server.reload} />
        ) : (
          <Loading what="the dashboard" />
        )}
      </main>
    );
  }

  const current = PAGES.find((page) => path === page.path || path.startsWith(`${page.path}/`))?.path;

  return (
    <AppContext.Provider value={state}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/jobs" className="brand">
          Pithead
        </Link>
        <nav aria-label="Dashboard">
          <ul>
            {(showLogin ? PAGES.filter((page) => page.path === "/connections") : PAGES).map((page) => (
              <li key={page.path}>
                <Link to={page.path} aria-current={current === page.path ? "page" : undefined}>
                  {page.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="page" id="main">
        {forgottenElsewhere && (
          <div className="notice notice-info" role="status" data-testid="forgotten-elsewhere">
            Logged out: the keys were forgotten in another tab of this dashboard.
          </div>
        )}
        <ErrorBoundary resetKey={path}>
          {showLogin ? (
            <LoginPage />
          ) : !signedIn && path !== "/connections" ? (
            <ConnectionsPage intro />
          ) : (
            pageFor(path === "/" ? "/jobs" : path)
          )}
        </ErrorBoundary>
      </main>
    </AppContext.Provider>
  );
}
