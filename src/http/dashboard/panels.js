// The panels an operator diagnoses from, as Flink's and Spark's UIs show them: status, totals, the
// times the job has reached and how far behind now they are, the engine's queues and open state,
// each Kafka partition, dead letters, and the process. Each value keeps its raw number in data-value.
import { $, duration, el, emptyRow, fmt, iso, megabytes, plural, show } from './format.js';

export function showStatus(stats) {
  const s = stats.status;
  const pill = $('status');
  const ready = s.failure === null && s.sinkOpen && s.sourceConnected && !s.stopping;
  pill.textContent = s.failure !== null ? 'failed' : s.stopping ? 'stopping' : ready ? 'running' : 'starting';
  pill.className = 'pill ' + (s.failure !== null ? 'pill-bad' : ready ? 'pill-ok' : 'pill-wait');
  const job = stats.job;
  const parts = [job.source + ' → ' + job.sink, job.clock, job.window];
  if (job.threads !== undefined) parts.push(plural(job.threads, 'thread'));
  $('job').textContent = parts.join(' · ');
  const failure = s.failure ?? s.writerFailure;
  $('failure').hidden = failure === null;
  $('failure').textContent = failure ?? '';
}

export function showTotals(stats) {
  show('events-total', fmt(stats.events), stats.events);
  show('rejected-total', fmt(stats.rejectedTotal), stats.rejectedTotal);
  $('rejected-share').textContent = stats.events > 0 ? (100 * stats.rejectedTotal / stats.events).toFixed(2) + '% of events' : '';
  show('windows-written', fmt(stats.windowsWritten), stats.windowsWritten);
  $('rows-written').textContent = plural(stats.rowsWritten, 'row');
  const tail = stats.recentLatencies.slice(-20).map((p) => p[1]).sort((a, b) => a - b);
  $('latency-p99').textContent = tail.length ? fmt(tail[Math.min(tail.length - 1, Math.floor(tail.length * 0.99))]) + ' ms' : '–';
  $('latency-sub').textContent = stats.latencyMs ? 'run p50 ' + fmt(stats.latencyMs.p50) + ' · max ' + fmt(stats.latencyMs.max) : 'last 20 writes';
  const kafka = isKafka(stats);
  show('kafka-lag', kafka ? fmt(stats.kafkaLag) : 'n/a', stats.kafkaLag);
  $('kafka-lag-sub').textContent = kafka ? 'messages behind' : 'not a Kafka source';
  const p = stats.process;
  show('uptime', duration(p.uptimeSeconds * 1000), p.uptimeSeconds);
  $('started').textContent = 'since ' + iso(stats.time - Math.round(p.uptimeSeconds * 1000)).slice(11, 19) + 'Z';
  show('rss', megabytes(p.rssBytes), p.rssBytes);
  show('cpu-percent', p.cpuPercent === null ? '–' : fmt(p.cpuPercent) + '% CPU', p.cpuPercent);
  show('cpu-seconds', fmt(p.cpuSeconds) + ' s CPU', p.cpuSeconds);
}

export function isKafka(stats) {
  return stats.kafkaLag !== null || String(stats.job.source).indexOf('kafka:') === 0;
}

/** An instant and how far it is behind the job's now. */
function showTime(id, ms, now, none) {
  show(id, ms === null ? none : iso(ms), ms);
  show(id + '-behind', ms === null ? '' : duration(now - ms) + ' behind now', ms === null ? null : now - ms);
}

export function showTimes(stats) {
  const s = stats.status;
  const eventClock = String(stats.job.clock).indexOf('event') === 0 || s.watermark !== null;
  showTime('watermark', s.watermark, stats.time, eventClock ? 'no event yet' : 'none: the wall clock closes windows');
  showTime('closed-through', s.closedThrough, stats.time, 'nothing closed yet');
  showTime('last-window', stats.lastWindowEnd, stats.time, 'nothing written yet');
}

export function showEngine(stats) {
  const shards = stats.shards;
  const openWindows = shards.reduce((most, h) => Math.max(most, h.openWindows), 0);
  const openPanes = shards.reduce((sum, h) => sum + h.openPanes, 0);
  show('open-windows', fmt(openWindows), openWindows);
  show('open-panes', fmt(openPanes), openPanes);
  show('worker-tasks', fmt(stats.status.queuedTasks), stats.status.queuedTasks);
  show('writer-closes', fmt(stats.status.pendingWrites), stats.status.pendingWrites);
  show('worker-threads', fmt(stats.status.liveThreads) + ' of ' + fmt(stats.status.threads), stats.status.liveThreads);
  const body = $('shards').tBodies[0];
  body.replaceChildren.apply(body, shards.map((held, shard) => {
    const row = el('tr');
    row.dataset.shard = String(shard);
    row.append(el('td', '', String(shard)), numberCell(held.openWindows), numberCell(held.openPanes));
    return row;
  }));
}

function numberCell(value, text) {
  const cell = el('td', 'num', text === undefined ? fmt(value) : text);
  cell.dataset.value = value === null || value === undefined ? '' : String(value);
  return cell;
}

export function showPartitions(stats) {
  const kafka = isKafka(stats);
  $('partitions-card').hidden = !kafka;
  if (!kafka) return;
  const body = $('partitions').tBodies[0];
  const rows = stats.partitions.map((p) => {
    const row = el('tr');
    row.dataset.partition = String(p.partition);
    row.append(el('td', '', String(p.partition)), numberCell(p.lag), numberCell(p.watermark, p.watermark === null ? '–' : iso(p.watermark)));
    return row;
  });
  if (rows.length === 0) rows.push(emptyRow('No partition known yet.', 3));
  body.replaceChildren.apply(body, rows);
}

export function showDeadLetters(stats) {
  $('dead-letters-where').textContent = stats.job.deadLetters ? 'in ' + stats.job.deadLetters : '';
  const reasons = Object.keys(stats.rejected).sort((a, b) => stats.rejected[b] - stats.rejected[a] || (a < b ? -1 : 1));
  const body = $('reasons').tBodies[0];
  body.replaceChildren.apply(body, reasons.map((reason) => {
    const row = el('tr');
    row.dataset.reason = reason;
    row.append(el('td', '', reason), numberCell(stats.rejected[reason]));
    return row;
  }));
  $('no-dead-letters').hidden = reasons.length > 0;
  $('reasons').hidden = reasons.length === 0;
  const list = $('latest-dead-letters');
  list.replaceChildren.apply(list, stats.deadLetters.map((letter) => {
    const item = el('li');
    item.dataset.reason = letter.reason;
    item.dataset.position = JSON.stringify(letter.position);
    const head = el('div', 'letter-head');
    head.append(el('span', 'reason', letter.reason), el('span', 'muted', positionText(letter.position) + ' · ' + iso(letter.time)));
    const raw = letter.rawEncoding === 'base64' ? 'base64: ' + letter.raw : letter.raw;
    item.append(head, el('div', 'detail', letter.detail), el('code', 'raw', raw + (letter.truncated ? ' …' : '')));
    return item;
  }));
}

function positionText(position) {
  if (position.kind === 'kafka') return position.topic + ' [' + position.partition + '] @' + position.offset;
  if (position.kind === 'line') return 'line ' + fmt(position.line);
  return 'event ' + fmt(position.index);
}
