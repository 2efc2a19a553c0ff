// Normalised telemetry: one shape for every firmware, as recorded in `fleet.telemetry` records.
// Hashrates are decimal strings in TH/s (exact in the record), temperatures °C to 0.1, power W.
// The code that builds these objects writes their keys in canonical JSON order (sorted), as the
// ledger serialises them: a cycle records 10,000 of them, and the ledger's canonical JSON then
// serialises each as it is instead of copying it with its keys sorted first.

import type { FirmwareFamily } from "./models.ts";

export interface BoardTelemetry {
  /** The board's index as the firmware numbers it (chain 6 on an S9 stays 6). */
  index: number;
  hashrateThs: string | null;
  chipTempsC: number[];
  boardTempsC: number[];
  chipsGood: number | null;
  chipsBad: number | null;
  chipsExpected: number | null;
  /** The firmware's own word for the board, when it gives one (Alive, Sick, Dead). */
  status: string | null;
}

export interface PoolTelemetry {
  url: string;
  user: string;
  status: string;
  priority: number | null;
  accepted: number;
  rejected: number;
  stale: number;
}

export interface Telemetry {
  firmware: { family: FirmwareFamily | "unknown"; name: string | null; version: string | null };
  model: string | null;
  /** Measured hashrate, TH/s, from the freshest window the firmware reports. */
  hashrateThs: string;
  /** Which window: "5s", "30s", "1m", "5m", "15m", "av" or "boards" (sum of boards). */
  hashrateWindow: string;
  expectedThs: string | null;
  expectedSource: "reported" | "nameplate" | null;
  powerW: number | null;
  /** "reported" by the firmware, or "estimated" from the model's nameplate J/TH (see powerNote). */
  powerSource: "reported" | "estimated" | null;
  powerNote: string | null;
  maxChipTempC: number | null;
  maxBoardTempC: number | null;
  boards: BoardTelemetry[];
  fansRpm: number[];
  pools: PoolTelemetry[];
  uptimeS: number | null;
  accepted: number | null;
  rejected: number | null;
  hardwareErrors: number | null;
  /** Problems the firmware reported and repairs the parser made. */
  errors: string[];
  /** SHA-256 (hex) of the raw reply bytes, so a record can be matched to what the miner sent. */
  rawSha256: string;
}
