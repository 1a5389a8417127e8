// The charts, drawn by uPlot (served by the job from its node_modules as a global). Times on the x
// axis are UTC, written as the time of day of ISO 8601 (the legend gives the whole instant).
import { $, iso } from './format.js';

/** Points a chart keeps: ten minutes at one a second, as the job's own history keeps. */
const HISTORY = 600;
const STROKE = '#6b7483';
const GRID = '#eef1f5';

/** From 0 (or below, for negative values) to a little over the highest value. */
const fromZero = (u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 0) * 1.1)];

const timeAxis = {
  stroke: STROKE,
  grid: { stroke: GRID },
  space: 70,
  // Whole seconds at least: a plot of a few seconds would otherwise tick every 200 ms.
  incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
  values: (u, splits) => splits.map((s) => iso(s * 1000).slice(11, 19)),
};

/**
 * A chart of `series` over time in the element `id`; `axes` lists its y scales ({ scale, label,
 * values }), the first on the left. Returns { append(times, columns), size() }: `times` in ms, one
 * column of values per series.
 */
export function chart(id, series, axes = [{ scale: 'y' }]) {
  const node = $(id);
  const scales = { x: { time: true } };
  axes.forEach((axis) => (scales[axis.scale] = { range: fromZero }));
  const opts = {
    width: node.clientWidth || 400,
    height: node.clientHeight || 170,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales,
    axes: [timeAxis].concat(axes.map((axis, i) => ({
      scale: axis.scale,
      side: i === 0 ? 3 : 1,
      stroke: STROKE,
      grid: i === 0 ? { stroke: GRID } : { show: false },
      size: 60,
      label: axis.label,
      labelSize: axis.label ? 14 : 0,
      values: axis.values,
    }))),
    series: [{ value: (u, v) => (v === null || v === undefined ? '–' : iso(v * 1000)) }].concat(
      series.map((s) => Object.assign({ scale: axes[0].scale }, s)),
    ),
  };
  const data = [[]].concat(series.map(() => []));
  const plot = new uPlot(opts, data, node);
  return {
    node,
    append(times, columns) {
      times.forEach((time, i) => {
        data[0].push(time / 1000);
        columns.forEach((column, c) => data[c + 1].push(column[i]));
      });
      if (data[0].length > HISTORY) data.forEach((column) => column.splice(0, column.length - HISTORY));
      plot.setData(data);
      node.dataset.points = String(data[0].length);
    },
    fit() {
      if (node.clientWidth > 0) plot.setSize({ width: node.clientWidth, height: node.clientHeight || 170 });
    },
  };
}
