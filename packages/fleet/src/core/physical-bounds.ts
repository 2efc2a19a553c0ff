// Figures no real input can have. They catch what a nameplate cannot (a miner of no known
// model answering "MHS 5s": 1e300) and what a broken market source sends ({"currentDifficulty":1}),
// before either reaches the profit arithmetic. Deliberately wide: a bound that a real machine or a
// real market could reach would block good evidence.

/**
 * TH/s: about 8× the fastest single machine on sale in 2025 (Antminer S23 Hyd 3U, 1,160 TH/s).
 * Above it a reading is impossible for one ASIC, nameplate or not.
 */
export const maxMinerThs = 10_000;

/** W: about 9× the hungriest single machine (an 11 kW hydro unit); more is a broken reading. */
export const maxMinerPowerW = 100_000;

/**
 * Market figures a profit can rest on. Difficulty: 1e12 was passed in 2017, today's (2025) is
 * about 1.3e14; below or far above, the source is broken, not the network. BTC price in USD, and
 * fees per block in sat (100 BTC; the record is under 40 BTC). Within these bounds and
 * maxMinerThs, a miner's revenue stays well inside the exact integer range.
 */
export const marketBounds = {
  difficulty: { min: 1e12, max: 1e18 },
  usdPerBtc: { min: 1_000, max: 10_000_000 },
  feesPerBlockSat: { min: 0, max: 10_000_000_000 },
} as const;
