// A miner over time: hashrate (against expected), chip temperature, power and margin per cycle.

import type { HistoryPoint } from "../../api/fleet.ts";
import { LineChart } from "../../components/line-chart.tsx";

export function MinerCharts({ minerId, points }: { minerId: string; points: HistoryPoint[] }) {
  const series = (pick: (point: HistoryPoint) => number | null): [number, number | null][] =>
    points.map((point) => [new Date(point.at).getTime(), pick(point)]);
  return (
    <div className="charts">
      <LineChart
        title={`Hashrate of ${minerId}`}
        unit="TH/s"
        series={[
          { name: "hashrate", points: series((p) => p.hashrateThs) },
          { name: "expected", points: series((p) => p.expectedThs), dashed: true, tone: "chart-line-muted" },
        ]}
      />
      <LineChart
        title={`Chip temperature of ${minerId}`}
        unit="°C"
        digits={0}
        series={[{ name: "chip temperature", points: series((p) => p.maxChipTempC), tone: "chart-line-2" }]}
      />
      <LineChart
        title={`Power of ${minerId}`}
        unit="W"
        digits={0}
        series={[{ name: "power", points: series((p) => p.powerW), tone: "chart-line-3" }]}
      />
      <LineChart
        title={`Margin of ${minerId}`}
        unit="$/day"
        digits={2}
        series={[{ name: "margin", points: series((p) => p.marginUsdPerDay), tone: "chart-line-4" }]}
      />
    </div>
  );
}
