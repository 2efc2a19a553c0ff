// @pithead/web — the dashboard: a React SPA (built from app/ by Vite into dist/, on demand) and the
// server that serves it and reverse-proxies every service under one origin.
//
//   await ensureDashboardBuilt({ onBuild: () => spin("building the dashboard") });
//   const dashboard = await startDashboard({ distDir, port: 8090, upstreams: { coordinator: "http://127.0.0.1:8080" } });

export { appDir, buildInputs, distDir, inputsStamp, webRoot } from "./build/build-inputs.ts";
export {
  type BuildState,
  DashboardBuildError,
  type EnsureBuiltOptions,
  ensureDashboardBuilt,
  isBuildCurrent,
} from "./build/ensure-built.ts";
export type { ConnectionBundle } from "./server/connection-bundle.ts";
export { createDashboardServer, DASHBOARD_VERSION, type DashboardServerOptions } from "./server/dashboard-server.ts";
export { dashboardErrors } from "./server/errors.ts";
export { generateLoginCode, loginCodeMatches, normaliseLoginCode } from "./server/login-code.ts";
export { SERVICE_NAMES, type ServiceName } from "./server/proxy.ts";
export { type RunningDashboard, type StartDashboardOptions, startDashboard } from "./server/start-dashboard.ts";
