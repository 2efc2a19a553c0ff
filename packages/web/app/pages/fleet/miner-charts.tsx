// A miner over time: hashrate (against expected), chip temperature, power and margin (as it ran,
// and what it would make if running) per cycle. A miner whose every poll failed says so, with the
// latest error, instead of "no data yet".

import type { HistoryPoint } from "../../api/fleet.ts";
import { LineChart } from "../../components/line-chart.tsx";

/** What an empty chart says: nothing collected yet, or every poll of the charted cycles failed. */
export function emptyChartText(points: HistoryPoint[], lastError: string | null): string | undefined {
  if (points.length === 0 || points.some((point) => point.ok)) return undefined;
  const count = points.length === 1 ? "the only one charted" : `all ${points.length} charted`;
  return `No data: every poll failed (${count})${lastError ? `: ${lastError}` : "."}`;
}

export function MinerCharts({
  minerId,
  points,
  lastError = null,
}: {
  minerId: string;
  points: HistoryPoint[];
  /** The miner's latest poll error, if it failed. */
  lastError?: string | null;
}) {
  const series = (pick: (point: HistoryPoint) => number | null): [number, number | null][] =>
    points.map((point) => [new Date(point.at).getTime(), pick(point)]);
  const empty = emptyChartText(points, lastError);
  return (
    <div className="charts">
      <LineChart
        empty={empty}
        title={`Hashrate of ${minerId}`}
        unit="TH/s"
        series={[
          { name: "hashrate", points: series((p) => p.hashrateThs) },
          { name: "expected", points: series((p) => p.expectedThs), dashed: true, tone: "chart-line-muted" },
        ]}
      />
      <LineChart
        empty={empty}
        title={`Chip temperature of ${minerId}`}
        unit="°C"
        digits={0}
        series={[{ name: "chip temperature", points: series((p) => p.maxChipTempC), tone: "chart-line-2" }]}
      />
      <LineChart
        empty={empty}
        title={`Power of ${minerId}`}
        unit="W"
        digits={0}
        series={[{ name: "power", points: series((p) => p.powerW), tone: "chart-line-3" }]}
      />
      <LineChart
        empty={empty}
        title={`Margin of ${minerId}`}
        unit="$/day"
        digits={2}
        series={[
          { name: "margin", points: series((p) => p.marginUsdPerDay), tone: "chart-line-4" },
          {
            name: "if running",
            points: series((p) => p.ifRunningMarginUsdPerDay),
            dashed: true,
            tone: "chart-line-muted",
          },
        ]}
      />
    </div>
  );
}
