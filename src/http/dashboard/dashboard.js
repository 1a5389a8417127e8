// The clickstream dashboard: polls the job's /api/stats every second for the panels, /api/history for
// the charts (the job keeps the last ten minutes, so a tab opened now shows them at once), and
// /api/windows when a window is written. Plain browser modules, nothing to build.
import { api } from './api.js';
import { chart } from './charts.js';
import { $, fmt, show } from './format.js';
import { isKafka, showDeadLetters, showEngine, showPartitions, showStatus, showTimes, showTotals } from './panels.js';
import { handleRecommendations, loadWindows, showStore } from './windows.js';

const EVERY_MS = 1000;
const mb = (u, values) => values.map((v) => fmt(v) + ' MB');
const percent = (u, values) => values.map((v) => fmt(v) + '%');

const charts = {
  rate: chart('chart-rate', [
    { label: 'events/s', stroke: '#2563eb', width: 2, fill: 'rgba(37,99,235,.08)' },
    { label: 'rejects/s', stroke: '#d9480f', width: 2 },
  ]),
  latency: chart('chart-latency', [{ label: 'latency ms', stroke: '#7048e8', width: 0, points: { show: true, size: 6, fill: '#7048e8' } }]),
  lag: chart('chart-lag', [{ label: 'lag', stroke: '#0c8599', width: 2, fill: 'rgba(12,133,153,.08)' }]),
  behind: chart('chart-behind', [
    { label: 'watermark', stroke: '#2563eb', width: 2 },
    { label: 'closed through', stroke: '#2b8a3e', width: 2 },
  ], [{ scale: 's', label: 'behind now (s)' }]),
  queues: chart('chart-queues', [
    { label: 'worker tasks', stroke: '#d9480f', width: 2 },
    { label: 'writer closes', stroke: '#7048e8', width: 2 },
  ]),
  open: chart('chart-open', [
    { label: 'open windows', stroke: '#2563eb', width: 2 },
    { label: 'open panes', stroke: '#0c8599', width: 2 },
  ]),
  process: chart('chart-process', [
    { label: 'memory (RSS)', stroke: '#0c8599', width: 2, scale: 'mb' },
    { label: 'CPU', stroke: '#d9480f', width: 2, scale: '%' },
  ], [{ scale: 'mb', values: mb }, { scale: '%', values: percent }]),
};

window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.fit()));

/** The history's columns into the charts; lags behind now in seconds. */
function plotHistory(samples) {
  const t = samples.time;
  if (t.length === 0) return;
  const behind = (column) => column.map((ms, i) => (ms === null ? null : (t[i] - ms) / 1000));
  charts.rate.append(t, [samples.eventsPerSecond, samples.rejectsPerSecond]);
  charts.lag.append(t, [samples.kafkaLag]);
  charts.behind.append(t, [behind(samples.watermark), behind(samples.closedThrough)]);
  charts.queues.append(t, [samples.workerTasks, samples.writerCloses]);
  charts.open.append(t, [samples.openWindows, samples.openPanes]);
  charts.process.append(t, [samples.rssBytes.map((b) => b / 1e6), samples.cpuPercent]);
  const last = t.length - 1;
  show('events-rate', fmt(samples.eventsPerSecond[last]), samples.eventsPerSecond[last]);
}

let historyThrough = 0;

function pollHistory() {
  return api('/api/history?since=' + historyThrough).then((answer) => {
    const samples = answer.body.samples;
    plotHistory(samples);
    if (samples.time.length > 0) historyThrough = samples.time[samples.time.length - 1];
  });
}

let latencySeen = 0;
let lastWindowsWritten = -1;
let layoutKnown = false;

function showStats(stats) {
  showStatus(stats);
  showTotals(stats);
  showTimes(stats);
  showEngine(stats);
  showPartitions(stats);
  showDeadLetters(stats);
  const recent = stats.recentLatencies.filter((p) => p[0] > latencySeen);
  if (recent.length > 0) {
    charts.latency.append(recent.map((p) => p[0]), [recent.map((p) => p[1])]);
    latencySeen = recent[recent.length - 1][0];
  }
  if (!layoutKnown) {
    // Cards that do not apply to this job go; the charts fit the room that is left.
    layoutKnown = true;
    $('lag-card').hidden = !isKafka(stats);
    showStore(stats);
    Object.values(charts).forEach((c) => c.fit());
  }
  if (stats.hasStore && stats.windowsWritten !== lastWindowsWritten) {
    lastWindowsWritten = stats.windowsWritten;
    loadWindows();
  }
}

function poll() {
  Promise.all([api('/api/stats').then((answer) => showStats(answer.body)), pollHistory()]).catch(() => {
    $('status').textContent = 'unreachable';
    $('status').className = 'pill pill-bad';
  }).then(() => setTimeout(poll, EVERY_MS));
}

handleRecommendations();
poll();
