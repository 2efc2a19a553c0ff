// The dashboard, built and started in front of a test fleet controller with a login code that hands
// over the test operator's secret, and Debian's Chromium to drive it.

import type { Browser } from "playwright-core";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "../../src/index.ts";
import { launchChromium } from "./chromium.ts";
import { OPERATOR, SECRET } from "./fleet.ts";

export interface FleetDashboard {
  dashboard: RunningDashboard;
  browser: Browser;
  close(): Promise<void>;
}

export async function startFleetDashboard(fleetUrl: string, loginCode: string): Promise<FleetDashboard> {
  const built = await ensureDashboardBuilt();
  const [dashboard, browser] = await Promise.all([
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { fleet: fleetUrl },
      login: { code: loginCode, bundle: { fleet: { url: fleetUrl, operators: [{ id: OPERATOR, secret: SECRET }] } } },
    }),
    launchChromium(),
  ]);
  return {
    dashboard,
    browser,
    async close() {
      await browser.close();
      await dashboard.close();
    },
  };
}
