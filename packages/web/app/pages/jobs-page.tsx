// Jobs: the queue by state, the job list (live through the coordinator's event stream), the
// compute miners, the wallets, and the form to submit a job.

import { useCallback, useId, useRef, useState } from "react";
import { coordinator, JOB_STATES, type Job, type JobEvent } from "../api/coordinator.ts";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { formatInteger } from "../lib/format.ts";
import { navigate } from "../lib/router.tsx";
import { LiveLabel, useEventStream } from "../lib/use-events.tsx";
import { useInterval, useLoad } from "../lib/use-load.ts";
import { useApp } from "../session/app-context.tsx";
import { JobTable } from "./jobs/job-table.tsx";
import { MinerTable } from "./jobs/miner-table.tsx";
import { QueueStats } from "./jobs/queue-stats.tsx";
import { SubmitForm } from "./jobs/submit-form.tsx";
import { WalletTable } from "./jobs/wallet-table.tsx";

export function JobsPage() {
  const { server, connections } = useApp();
  const { adminKey, clientKey } = connections.coordinator;
  const readKey = adminKey || clientKey;
  const filterId = useId();
  const [state, setState] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);

  const stats = useLoad(adminKey ? (signal) => coordinator.stats(adminKey, signal) : null, [adminKey]);
  const miners = useLoad(adminKey ? (signal) => coordinator.miners(adminKey, signal) : null, [adminKey]);
  const wallets = useLoad(adminKey ? (signal) => coordinator.wallets(adminKey, signal) : null, [adminKey]);
  const balance = useLoad(clientKey ? (signal) => coordinator.balance(clientKey, signal) : null, [clientKey]);
  const jobs = useLoad(
    readKey ? (signal) => coordinator.jobs(readKey, { state: state || undefined, cursor }, signal) : null,
    [readKey, state, cursor],
  );

  // Live: each state change patches its row at once; the counters follow shortly after.
  const [patched, setPatched] = useState<Record<string, JobEvent>>({});
  const refreshSoon = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEvent = useCallback(
    (event: { event: string; data: string }) => {
      if (event.event !== "state") return;
      let change: JobEvent;
      try {
        change = JSON.parse(event.data) as JobEvent;
      } catch {
        return;
      }
      setPatched((previous) => ({ ...previous, [change.job_id]: change }));
      clearTimeout(refreshSoon.current);
      refreshSoon.current = setTimeout(() => {
        stats.reload();
        miners.reload();
        wallets.reload();
        balance.reload();
        if (!jobs.data?.jobs.some((job) => job.id === change.job_id)) jobs.reload();
      }, 400);
    },
    [stats, miners, wallets, balance, jobs],
  );
  const live = useEventStream(
    server.services.coordinator && readKey ? coordinator.eventsUrl() : null,
    coordinator.authHeaders(readKey),
    onEvent,
  );
  // Heartbeats and reputation change without job events: refresh the miners now and then.
  useInterval(
    () => {
      miners.reload();
      stats.reload();
    },
    adminKey ? 10_000 : null,
  );

  if (!server.services.coordinator)
    return (
      <Notice tone="warn">
        This dashboard was started without a coordinator (pass --coordinator URL to `pithead web`).
      </Notice>
    );

  const shownJobs: Job[] = (jobs.data?.jobs ?? []).map((job) => {
    const change = patched[job.id];
    return change && change.version > 0 && new Date(change.at) >= new Date(job.updated_at)
      ? { ...job, state: change.state, updated_at: change.at }
      : job;
  });

  return (
    <section>
      <div className="page-head">
        <h1>Jobs</h1>
        {readKey && <LiveLabel {...live} />}
      </div>
      {!readKey && <Notice tone="warn">Add a coordinator key on the Connections page to see and submit jobs.</Notice>}

      {adminKey ? (
        <section aria-labelledby="queue-heading">
          <h2 id="queue-heading">Queue</h2>
          <ErrorNotice error={stats.error} onRetry={stats.reload} />
          {stats.data ? <QueueStats stats={stats.data} /> : !stats.error && <Loading what="the queue" />}
        </section>
      ) : (
        readKey && <Notice>The queue, miners and wallets need the coordinator's admin key (Connections).</Notice>
      )}

      <div className="split">
        <section aria-labelledby="submit-heading" className="panel">
          <h2 id="submit-heading">Submit a job</h2>
          {clientKey ? (
            <SubmitForm
              clientKey={clientKey}
              workloads={[
                ...new Set((miners.data?.miners ?? []).flatMap((miner) => miner.capabilities?.workloads ?? [])),
              ]}
              onSubmitted={(job) => navigate(`/jobs/${encodeURIComponent(job.id)}`)}
            />
          ) : (
            <Notice tone="warn">
              Submitting needs a client key (its wallet pays the reward): add one on Connections.
            </Notice>
          )}
          {balance.data && (
            <p className="muted">
              Your wallet <code>{balance.data.address}</code>: balance {formatInteger(balance.data.balance)}, pending{" "}
              {formatInteger(balance.data.pending)}
            </p>
          )}
        </section>

        <section aria-labelledby="jobs-heading" className="panel grow">
          <div className="section-head">
            <h2 id="jobs-heading">Jobs</h2>
            <div className="field inline">
              <label htmlFor={filterId}>State</label>
              <select
                id={filterId}
                value={state}
                onChange={(event) => {
                  setState(event.target.value);
                  setCursors([]);
                }}
              >
                <option value="">all</option>
                {JOB_STATES.map((name) => (
                  <option key={name} value={name}>
                    {name.toLowerCase()}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <ErrorNotice error={jobs.error} onRetry={jobs.reload} />
          {jobs.data ? <JobTable jobs={shownJobs} /> : readKey && !jobs.error && <Loading what="jobs" />}
          <div className="row">
            {cursors.length > 0 && (
              <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer jobs
              </button>
            )}
            {jobs.data?.next_cursor && (
              <button type="button" onClick={() => setCursors([...cursors, jobs.data?.next_cursor as string])}>
                Older jobs
              </button>
            )}
          </div>
        </section>
      </div>

      {adminKey && (
        <>
          <section aria-labelledby="miners-heading">
            <h2 id="miners-heading">Compute miners</h2>
            <ErrorNotice error={miners.error} onRetry={miners.reload} />
            {miners.data ? <MinerTable miners={miners.data.miners} /> : !miners.error && <Loading what="miners" />}
          </section>
          <section aria-labelledby="wallets-heading">
            <h2 id="wallets-heading">Wallets</h2>
            <ErrorNotice error={wallets.error} onRetry={wallets.reload} />
            {wallets.data ? (
              <WalletTable wallets={wallets.data.wallets} highlight={balance.data?.address} />
            ) : (
              !wallets.error && <Loading what="wallets" />
            )}
          </section>
        </>
      )}
    </section>
  );
}
