// Rows of the fleet's /miners list as the dashboard receives them, for tests of the table.

import type { FleetMiner } from "../../app/api/fleet.ts";

/** The latest cycle of these rows. */
export const ROW_CYCLE = 900;

/** A miner that answered in the latest cycle, hashing at nameplate, and was decided on (HOLD) in it. */
export function minerRow(id: string, changes: Partial<FleetMiner> = {}): FleetMiner {
  return {
    id,
    host: "10.0.0.1",
    port: 4028,
    model: "Antminer S19",
    status: "ok",
    error: null,
    cycle: ROW_CYCLE,
    hashrateThs: "95",
    expectedThs: "95",
    maxChipTempC: 70,
    maxBoardTempC: 60,
    temperature: "ok",
    powerW: 3250,
    powerSource: "reported",
    fansRpm: [4800, 4900],
    uptimeS: 1000,
    margin: null,
    lastDecision: {
      seq: ROW_CYCLE + 10,
      action: "HOLD",
      reason: "RUNNING_PROFITABLY",
      detail: "",
      at: "2026-11-23T06:00:00.000Z",
      notCarriedOut: null,
      receipt: null,
    },
    failedPolls: 0,
    stoppedByController: false,
    stoppedFor: null,
    latch: null,
    ...changes,
  };
}

/** A miner whose polls fail (connection refused): no telemetry, and only its configured model id. */
export function failedRow(id: string, configuredModel: string, changes: Partial<FleetMiner> = {}): FleetMiner {
  return minerRow(id, {
    model: configuredModel,
    status: "failed",
    error: "127.0.0.1:4031 refused the connection (API not listening)",
    hashrateThs: null,
    expectedThs: null,
    maxChipTempC: null,
    maxBoardTempC: null,
    temperature: null,
    powerW: null,
    powerSource: null,
    fansRpm: [],
    uptimeS: null,
    failedPolls: 5,
    ...changes,
  });
}
