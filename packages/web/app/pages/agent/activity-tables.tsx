// The Activity panel's two tables: requests per endpoint (by class, with latency), and the error
// answers the last reads found.

import { formatClock, formatInteger } from "../../lib/format.ts";
import { formatLatency, formatPerMinute } from "./activity-format.ts";
import type { EndpointActivity, RecentError } from "./agent-activity.ts";

/** What an error status means at the agent, for the recent errors list. */
const STATUS_MEANING: Record<number, string> = {
  400: "bad request",
  401: "no key",
  403: "wrong key",
  404: "not found",
  405: "wrong method",
  413: "body too large",
  415: "wrong content type",
  422: "invalid input",
  429: "rate limited or wrong-key budget spent",
  500: "agent error",
  502: "LLM backend failed",
  503: "unavailable",
  504: "timed out",
};

function EndpointRow({ endpoint }: { endpoint: EndpointActivity }) {
  return (
    <tr>
      <th scope="row">
        {endpoint.method} {endpoint.route}
      </th>
      <td>{formatInteger(endpoint.requests)}</td>
      <td>{formatPerMinute(endpoint.perMinute)}</td>
      <td>{formatInteger(endpoint.ok)}</td>
      <td>{formatInteger(endpoint.clientErrors)}</td>
      <td>{formatInteger(endpoint.keyRefused)}</td>
      <td>{formatInteger(endpoint.invalid)}</td>
      <td>{formatInteger(endpoint.limited)}</td>
      <td className={endpoint.serverErrors > 0 ? "negative" : ""}>{formatInteger(endpoint.serverErrors)}</td>
      <td>{formatLatency(endpoint.p50)}</td>
      <td>{formatLatency(endpoint.p95)}</td>
    </tr>
  );
}

export function EndpointTable({ endpoints }: { endpoints: readonly EndpointActivity[] }) {
  return endpoints.length === 0 ? (
    <p className="muted">No requests since this page opened.</p>
  ) : (
    <div className="table-wrap">
      <table aria-label="Requests per endpoint">
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">Requests</th>
            <th scope="col">/ min</th>
            <th scope="col">2xx</th>
            <th scope="col">4xx</th>
            <th scope="col" title="401 or 403: missing or wrong X-API-Key">
              key refused
            </th>
            <th scope="col" title="400, 404, 405, 413, 415 or 422: the request itself was refused">
              invalid
            </th>
            <th scope="col" title="429: over the endpoint's rate limit, or over the wrong-key budget">
              429
            </th>
            <th scope="col">5xx</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((endpoint) => (
            <EndpointRow key={`${endpoint.method} ${endpoint.route}`} endpoint={endpoint} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RecentErrorsTable({ errors }: { errors: readonly RecentError[] }) {
  return errors.length === 0 ? (
    <p className="muted">No error answers since this page opened.</p>
  ) : (
    <div className="table-wrap">
      <table aria-label="Recent errors">
        <thead>
          <tr>
            <th scope="col">Seen at (UTC)</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Status</th>
            <th scope="col">Requests</th>
          </tr>
        </thead>
        <tbody>
          {errors.map((error) => (
            <tr key={`${error.at} ${error.method} ${error.route} ${error.status}`}>
              <td>{formatClock(error.at)}</td>
              <th scope="row">
                {error.method} {error.route}
              </th>
              <td className={error.status >= 500 ? "negative" : ""}>
                {error.status} {STATUS_MEANING[error.status] ?? ""}
              </td>
              <td>{formatInteger(error.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
