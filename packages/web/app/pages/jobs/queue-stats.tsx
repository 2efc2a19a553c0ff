// The queue at a glance: jobs per state, replicas waiting, throughput, miners, money in escrow.

import { JOB_STATES, type Stats } from "../../api/coordinator.ts";
import { formatInteger } from "../../lib/format.ts";

export function QueueStats({ stats }: { stats: Stats }) {
  return (
    <div className="cards">
      {JOB_STATES.map((state) => (
        <div className="card" key={state}>
          <span className="card-label">{state.toLowerCase()}</span>
          <span className="card-value" data-state={state}>
            {formatInteger(stats.jobs[state] ?? 0)}
          </span>
        </div>
      ))}
      <div className="card">
        <span className="card-label">waiting replicas</span>
        <span className="card-value">{formatInteger(stats.queue_depth)}</span>
      </div>
      <div className="card">
        <span className="card-label">jobs / s (1 min)</span>
        <span className="card-value">{stats.jobs_per_s}</span>
      </div>
      <div className="card">
        <span className="card-label">miners online</span>
        <span className="card-value">
          {formatInteger(stats.miners.online)}
          <span className="muted">
            {" "}
            /{" "}
            {formatInteger(
              stats.miners.online + stats.miners.offline + stats.miners.draining + (stats.miners.stopping ?? 0),
            )}
          </span>
        </span>
      </div>
      <div className="card">
        <span className="card-label">in escrow</span>
        <span className="card-value">{formatInteger(stats.money.escrow)}</span>
      </div>
    </div>
  );
}
