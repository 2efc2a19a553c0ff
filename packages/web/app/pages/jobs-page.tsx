// Jobs: the queue by state, the job list (live through the coordinator's event stream), the
// compute miners, the wallets, and the form to submit a job.

import { useCallback, useEffect, useId, useRef, useState } from "react";
import { coordinator, JOB_STATES, type JobEvent, type Wallet } from "../api/coordinator.ts";
import { isKeyRefused, refusedKeyErrors } from "../api/http.ts";
import { CursorPager } from "../components/cursor-pager.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { formatInteger } from "../lib/format.ts";
import { navigate } from "../lib/router.tsx";
import { LiveLabel, useEventStream } from "../lib/use-events.tsx";
import { useInterval, useLoad } from "../lib/use-load.ts";
import { useThrottle } from "../lib/use-throttle.ts";
import { useApp } from "../session/app-context.tsx";
import { ALL_MINERS_PAGE, readAllMiners } from "./jobs/all-miners.ts";
import { JobTable } from "./jobs/job-table.tsx";
import {
  applyPatches,
  foldChanges,
  keepNewest,
  type Patches,
  parseStateEvent,
  prunePatches,
} from "./jobs/live-patches.ts";
import { MinerTable } from "./jobs/miner-table.tsx";
import { QueueStats } from "./jobs/queue-stats.tsx";
import { SubmitForm } from "./jobs/submit-form.tsx";
import { WalletTable } from "./jobs/wallet-table.tsx";

const WALLET_PAGE = 100;
const MINER_PAGE = 100;

export function JobsPage() {
  const { server, connections } = useApp();
  const { adminKey, clientKey } = connections.coordinator;
  const readKey = adminKey || clientKey;
  const filterId = useId();
  const [state, setState] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [walletCursors, setWalletCursors] = useState<string[]>([]);
  const walletsAfter = walletCursors.at(-1);
  const [minerCursors, setMinerCursors] = useState<string[]>([]);
  const minersAfter = minerCursors.at(-1);

  const stats = useLoad(adminKey ? (signal) => coordinator.stats(adminKey, signal) : null, [adminKey]);
  const miners = useLoad(
    adminKey
      ? (signal) =>
          coordinator
            .miners(adminKey, { after: minersAfter, limit: MINER_PAGE }, signal)
            .then((answer) => ({ ...answer, pageAfter: minersAfter }))
      : null,
    [adminKey, minersAfter],
  );
  // The submit form warns about workloads no online miner runs: that needs every miner, not the
  // page on screen, and only when there is a form.
  const everyMiner = useLoad(
    adminKey && clientKey
      ? (signal) => readAllMiners((after) => coordinator.miners(adminKey, { after, limit: ALL_MINERS_PAGE }, signal))
      : null,
    [adminKey, clientKey],
  );
  const wallets = useLoad(
    adminKey
      ? (signal) =>
          coordinator
            .wallets(adminKey, { after: walletsAfter, limit: WALLET_PAGE }, signal)
            .then((answer) => ({ ...answer, pageAfter: walletsAfter }))
      : null,
    [adminKey, walletsAfter],
  );
  const balance = useLoad(clientKey ? (signal) => coordinator.balance(clientKey, signal) : null, [clientKey]);
  const jobs = useLoad(
    readKey
      ? (signal) =>
          coordinator
            .jobs(readKey, { state: state || undefined, cursor }, signal)
            .then((answer) => ({ ...answer, pageOf: `${state}/${cursor ?? ""}` }))
      : null,
    [readKey, state, cursor],
  );

  // Live: the state changes of the rows on screen patch them, applied once per frame; the list,
  // the counters and the balances are read again at most every second (miners and wallets every
  // five: bigger answers, slower to change) for as long as events keep coming.
  const [patches, setPatches] = useState<Patches>(() => new Map());
  const onScreen = useRef(jobs.data?.jobs ?? []);
  onScreen.current = jobs.data?.jobs ?? [];
  useEffect(() => setPatches((previous) => prunePatches(previous, jobs.data?.jobs ?? [])), [jobs.data]);
  const pending = useRef(new Map<string, JobEvent>());
  const frame = useRef<number | null>(null);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    },
    [],
  );
  const refreshList = useThrottle(() => {
    jobs.refresh();
    stats.refresh();
    balance.refresh();
  }, 1000);
  const refreshTables = useThrottle(() => {
    miners.refresh();
    everyMiner.refresh();
    wallets.refresh();
  }, 5000);
  const onEvent = useCallback(
    (event: { event: string; data: string }) => {
      const change = parseStateEvent(event);
      if (!change) return;
      if (onScreen.current.some((job) => job.id === change.job_id)) {
        keepNewest(pending.current, change);
        frame.current ??= requestAnimationFrame(() => {
          frame.current = null;
          const changes = [...pending.current.values()];
          pending.current.clear();
          setPatches((previous) => foldChanges(previous, changes, onScreen.current));
        });
      }
      refreshList();
      refreshTables();
    },
    [refreshList, refreshTables],
  );
  const live = useEventStream(
    server.services.coordinator && readKey ? coordinator.eventsUrl() : null,
    coordinator.authHeaders(readKey),
    onEvent,
  );
  // Heartbeats and reputation change without job events: refresh the miners now and then. Without
  // the event stream everything is read this way, so a service gone away shows as an error.
  useInterval(
    () => {
      miners.refresh();
      everyMiner.refresh();
      stats.refresh();
      if (live.state !== "open") {
        jobs.refresh();
        wallets.refresh();
        balance.refresh();
      }
    },
    readKey ? 10_000 : null,
  );

  if (!server.services.coordinator)
    return (
      <Notice tone="warn">
        This dashboard was started without a coordinator (pass <code>--coordinator URL</code> to{" "}
        <code>pithead web</code>).
      </Notice>
    );

  // A refused key (revoked, or a stack started again) fails every panel it reads: said once, on top.
  const loads = [stats, miners, wallets, jobs, balance, everyMiner];
  const refused = refusedKeyErrors(loads.map((load) => load.error));
  const panelError = (error: unknown) => (isKeyRefused(error) ? undefined : error);
  const shownJobs = applyPatches(jobs.data?.jobs ?? [], patches);
  const clientWallet: Wallet | undefined = balance.data && {
    address: balance.data.address,
    balance: balance.data.balance,
    updated_at: balance.data.updated_at ?? "",
  };
  // The answer for the page asked for: the last one stays in useLoad until the next arrives, and
  // shown meanwhile under the new page's range line and Next button it would mislabel the rows
  // (and a second click on Next would skip a page). Until it comes the table says it is loading.
  const minersShown = miners.data?.pageAfter === minersAfter ? miners.data : undefined;
  const walletsShown = wallets.data?.pageAfter === walletsAfter ? wallets.data : undefined;
  const jobsCurrent = jobs.data?.pageOf === `${state}/${cursor ?? ""}`;
  const walletPage = walletsShown?.wallets ?? [];
  const minerPage = minersShown?.miners ?? [];

  return (
    <section>
      <div className="page-head">
        <h1>Jobs</h1>
        {readKey && <LiveLabel {...live} />}
      </div>
      {!readKey && <Notice tone="warn">Add a coordinator key on the Connections page to see and submit jobs.</Notice>}
      {refused.map((error) => (
        <ErrorNotice
          key={error.message}
          error={error}
          stale={loads.some((load) => isKeyRefused(load.error) && load.data !== undefined)}
          onRetry={() => {
            for (const load of loads) if (isKeyRefused(load.error)) load.reload();
          }}
        />
      ))}

      {adminKey ? (
        <section aria-labelledby="queue-heading">
          <h2 id="queue-heading">Queue</h2>
          <ErrorNotice error={panelError(stats.error)} stale={stats.data !== undefined} onRetry={stats.reload} />
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
              miners={everyMiner.data}
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
          <ErrorNotice error={panelError(jobs.error)} stale={jobs.data !== undefined} onRetry={jobs.reload} />
          {jobs.data ? <JobTable jobs={shownJobs} state={state} /> : readKey && !jobs.error && <Loading what="jobs" />}
          <div className="row">
            {cursors.length > 0 && (
              <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer jobs
              </button>
            )}
            {jobsCurrent && jobs.data?.next_cursor && (
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
            <ErrorNotice error={panelError(miners.error)} stale={miners.data !== undefined} onRetry={miners.reload} />
            {minersShown ? (
              <MinerTable miners={minerPage} first={minerCursors.length * MINER_PAGE + 1} />
            ) : (
              !miners.error && <Loading what="miners" />
            )}
            <CursorPager
              noun="miners"
              order="miner id order"
              pageSize={MINER_PAGE}
              cursors={minerCursors}
              setCursors={setMinerCursors}
              page={minersShown && { shown: minerPage.length, nextAfter: minersShown.next_after ?? null }}
            />
          </section>
          <section aria-labelledby="wallets-heading">
            <h2 id="wallets-heading">Wallets</h2>
            <ErrorNotice
              error={panelError(wallets.error)}
              stale={wallets.data !== undefined}
              onRetry={wallets.reload}
            />
            {walletsShown ? (
              <WalletTable
                wallets={walletPage}
                highlight={clientWallet?.address}
                pinned={
                  clientWallet && !walletPage.some((wallet) => wallet.address === clientWallet.address)
                    ? clientWallet
                    : undefined
                }
                first={walletCursors.length * WALLET_PAGE + 1}
              />
            ) : (
              !wallets.error && <Loading what="wallets" />
            )}
            <CursorPager
              noun="wallets"
              order="address order"
              pageSize={WALLET_PAGE}
              cursors={walletCursors}
              setCursors={setWalletCursors}
              page={walletsShown && { shown: walletPage.length, nextAfter: walletsShown.next_after ?? null }}
            />
          </section>
        </>
      )}
    </section>
  );
}
