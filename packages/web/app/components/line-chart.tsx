// A small SVG line chart: one or more series over time, with labelled axes, a title and a
// description a screen reader reads (the latest value and the range), and gaps where a value is
// missing. No chart library: this is all the dashboard needs.

import { useId } from "react";
import { formatClock } from "../lib/format.ts";
import { niceScale } from "./chart-scale.ts";

export interface Series {
  name: string;
  /** Points as [time in ms, value]; null leaves a gap. */
  points: [number, number | null][];
  /** A CSS class for the stroke (chart-line-1, chart-line-2, …). */
  tone?: string;
  dashed?: boolean;
}

export interface LineChartProps {
  title: string;
  unit: string;
  series: Series[];
  /** Decimal places of the labels. */
  digits?: number;
  /** What to say when no series has a value (default: none collected yet). */
  empty?: string;
}

const WIDTH = 560;
const HEIGHT = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 34 };

const NO_DATA = "No data yet: run a cycle to collect some.";

export function LineChart({ title, unit, series, digits = 1, empty = NO_DATA }: LineChartProps) {
  const id = useId();
  const values = series
    .flatMap((s) => s.points.map(([, y]) => y))
    .filter((y): y is number => y !== null && Number.isFinite(y));
  const times = series.flatMap((s) => s.points.map(([x]) => x));
  const main = series[0];
  const latest = main?.points.filter(([, y]) => y !== null).at(-1)?.[1];
  const fmt = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: digits });
  const description =
    values.length === 0
      ? `${title}: ${empty}`
      : `${title}: latest ${latest === undefined || latest === null ? "—" : `${fmt(latest)} ${unit}`}, between ${fmt(Math.min(...values))} and ${fmt(Math.max(...values))} ${unit} over ${main?.points.length ?? 0} points.`;

  if (values.length === 0) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <p className="muted">{empty}</p>
      </figure>
    );
  }
  const scale = niceScale(Math.min(...values), Math.max(...values), digits);
  const ticks = scale.ticks;
  const tickLabel = (value: number) =>
    value.toLocaleString("en-US", { minimumFractionDigits: scale.digits, maximumFractionDigits: scale.digits });
  const yMin = ticks[0] ?? 0;
  const yMax = ticks.at(-1) ?? 1;
  const xMin = Math.min(...times);
  const xMax = Math.max(...times) === xMin ? xMin + 1 : Math.max(...times);
  const x = (t: number) => PAD.left + ((t - xMin) / (xMax - xMin)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - yMin) / (yMax - yMin || 1)) * (HEIGHT - PAD.top - PAD.bottom);
  const path = (points: [number, number | null][]) => {
    let d = "";
    let pen = false;
    for (const [t, v] of points) {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  const xTicks = [xMin, (xMin + xMax) / 2, xMax];

  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <g className="chart-grid">
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text x={PAD.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle">
                {tickLabel(tick)}
              </text>
            </g>
          ))}
          {xTicks.map((tick, index) => (
            <text
              key={tick}
              x={x(tick)}
              y={HEIGHT - PAD.bottom + 16}
              textAnchor={index === 0 ? "start" : index === 2 ? "end" : "middle"}
            >
              {formatClock(tick)}
            </text>
          ))}
          <text className="chart-axis-label" x={PAD.left} y={HEIGHT - 4}>
            time (UTC)
          </text>
          <text
            className="chart-axis-label"
            transform={`translate(12 ${(HEIGHT - PAD.bottom + PAD.top) / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {unit}
          </text>
        </g>
        {series.map((s, index) => (
          <path
            key={s.name}
            d={path(s.points)}
            className={`chart-line ${s.tone ?? `chart-line-${index + 1}`}`}
            strokeDasharray={s.dashed ? "5 4" : undefined}
          />
        ))}
      </svg>
      <figcaption>
        <span className="chart-title">{title}</span>
        {series.length > 1 && (
          <span className="chart-legend">
            {series.map((s, index) => (
              <span
                key={s.name}
                className={`legend-item ${s.tone ?? `chart-line-${index + 1}`}${s.dashed ? " dashed" : ""}`}
              >
                {s.name}
              </span>
            ))}
          </span>
        )}
        <span className="chart-latest">{latest === undefined || latest === null ? "—" : `${fmt(latest)} ${unit}`}</span>
      </figcaption>
    </figure>
  );
}
