// The clickstream dashboard: polls the job's /api/stats every second and /api/windows when a window is
// written, and plots with uPlot (served by the job from its node_modules). Plain browser JavaScript,
// nothing to build. With --http-token the API needs the token: asked once, kept in sessionStorage.
(function () {
  'use strict';

  var TOKEN_KEY = 'clickstream-token';
  var STATS_EVERY_MS = 1000;
  /** Points kept on the rate and lag charts: ten minutes at one a second. */
  var HISTORY = 600;
  var WINDOWS_SHOWN = 8;

  var $ = function (id) { return document.getElementById(id); };
  var number = new Intl.NumberFormat('en');
  var fmt = function (n) { return n === null || n === undefined ? '–' : number.format(Math.round(n)); };

  // ---- API, with the token when the job asks for one ----

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  var waitingForToken = null;
  function askForToken(message) {
    if (waitingForToken) return waitingForToken;
    $('token-error').textContent = message || '';
    $('token-dialog').hidden = false;
    $('token-input').focus();
    waitingForToken = new Promise(function (resolve) {
      $('token-form').onsubmit = function (event) {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, $('token-input').value);
        $('token-dialog').hidden = true;
        waitingForToken = null;
        resolve();
      };
    });
    return waitingForToken;
  }

  /** GETs an /api path; on 401 asks for the token and tries again. Resolves with { status, body, headers }. */
  function api(path) {
    var headers = {};
    if (token()) headers.Authorization = 'Bearer ' + token();
    return fetch(path, { headers: headers, cache: 'no-store' }).then(function (response) {
      if (response.status === 401) {
        return askForToken(token() ? 'That token was not accepted.' : '').then(function () { return api(path); });
      }
      return response.json().then(function (body) { return { status: response.status, body: body, headers: response.headers }; });
    });
  }

  // ---- Charts ----

  function chart(id, series, yLabel) {
    var el = $(id);
    var opts = {
      width: el.clientWidth || 400,
      height: el.clientHeight || 190,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      // Whole seconds at least: a plot of a few seconds would otherwise tick every 200 ms.
      axes: [{ stroke: '#6b7483', grid: { stroke: '#eef1f5' }, space: 70, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600] }, { stroke: '#6b7483', grid: { stroke: '#eef1f5' }, size: 60, label: yLabel, labelSize: 14 }],
      series: [{}].concat(series),
    };
    var data = [[]].concat(series.map(function () { return []; }));
    var plot = new uPlot(opts, data, el);
    return { plot: plot, data: data, el: el };
  }

  var rateChart = chart('chart-rate', [
    { label: 'events/s', stroke: '#2563eb', width: 2, fill: 'rgba(37,99,235,.08)' },
    { label: 'rejects/s', stroke: '#d9480f', width: 2 },
  ]);
  var latencyChart = chart('chart-latency', [{ label: 'latency ms', stroke: '#7048e8', width: 0, points: { show: true, size: 6, fill: '#7048e8' } }]);
  var lagChart = chart('chart-lag', [{ label: 'lag', stroke: '#0c8599', width: 2, fill: 'rgba(12,133,153,.08)' }]);
  var charts = [rateChart, latencyChart, lagChart];

  function push(c, x, values) {
    c.data[0].push(x);
    values.forEach(function (v, i) { c.data[i + 1].push(v); });
    if (c.data[0].length > HISTORY) c.data.forEach(function (column) { column.shift(); });
    c.plot.setData(c.data);
  }

  function fitCharts() {
    charts.forEach(function (c) { if (c.el.clientWidth > 0) c.plot.setSize({ width: c.el.clientWidth, height: c.el.clientHeight || 190 }); });
  }
  window.addEventListener('resize', fitCharts);

  /** Without Kafka there is no lag to plot: the other two charts take the row. */
  function showLagChart(show) {
    if ($('lag-card').hidden === !show) return;
    $('lag-card').hidden = !show;
    document.querySelector('.charts').classList.toggle('two', !show);
    fitCharts();
  }

  // ---- Stats ----

  var previous = null;
  var lastWindowsWritten = -1;
  var latencySeen = 0;

  function showStatus(stats) {
    var s = stats.status;
    var pill = $('status');
    var ready = s.failure === null && s.sinkOpen && s.sourceConnected && !s.stopping;
    pill.textContent = s.failure !== null ? 'failed' : s.stopping ? 'stopping' : ready ? 'running' : 'starting';
    pill.className = 'pill ' + (s.failure !== null ? 'pill-bad' : ready ? 'pill-ok' : 'pill-wait');
    var job = stats.job;
    $('job').textContent = job.source + ' → ' + job.sink + ' · ' + job.clock + ' · ' + job.window + ' · ' + job.threads + ' threads';
  }

  function showStats(stats) {
    showStatus(stats);
    var t = stats.time / 1000;
    if (previous !== null && stats.time > previous.time) {
      var seconds = (stats.time - previous.time) / 1000;
      var rate = (stats.events - previous.events) / seconds;
      var rejects = (stats.rejectedTotal - previous.rejectedTotal) / seconds;
      $('events-rate').textContent = fmt(rate);
      push(rateChart, t, [rate, rejects]);
    }
    previous = stats;
    $('events-total').textContent = fmt(stats.events);
    $('rejected-total').textContent = fmt(stats.rejectedTotal);
    var reasons = Object.keys(stats.rejected).map(function (r) { return r + ' ' + fmt(stats.rejected[r]); });
    $('rejected-reasons').textContent = stats.events > 0
      ? (100 * stats.rejectedTotal / stats.events).toFixed(2) + '%' + (reasons.length ? ' · ' + reasons.join(', ') : '')
      : '';
    $('windows-written').textContent = fmt(stats.windowsWritten);
    $('rows-written').textContent = fmt(stats.rowsWritten) + ' rows';
    var recent = stats.recentLatencies.filter(function (p) { return p[0] > latencySeen; });
    recent.forEach(function (p) { push(latencyChart, p[0] / 1000, [p[1]]); latencySeen = p[0]; });
    var tail = stats.recentLatencies.slice(-20).map(function (p) { return p[1]; }).sort(function (a, b) { return a - b; });
    $('latency-p99').textContent = tail.length ? fmt(tail[Math.min(tail.length - 1, Math.floor(tail.length * 0.99))]) + ' ms' : '–';
    $('latency-sub').textContent = stats.latencyMs ? 'run: p50 ' + fmt(stats.latencyMs.p50) + ' · max ' + fmt(stats.latencyMs.max) + ' ms' : '';
    if (stats.kafkaLag === null && stats.job.source.indexOf('kafka:') !== 0) {
      $('kafka-lag').textContent = 'n/a';
      $('kafka-lag-sub').textContent = 'the source is not Kafka';
      showLagChart(false);
    } else {
      $('kafka-lag').textContent = fmt(stats.kafkaLag);
      $('kafka-lag-sub').textContent = 'messages behind';
      showLagChart(true);
      if (stats.kafkaLag !== null) push(lagChart, t, [stats.kafkaLag]);
    }
    if (stats.windowsWritten !== lastWindowsWritten) {
      lastWindowsWritten = stats.windowsWritten;
      loadWindows();
    }
  }

  function pollStats() {
    api('/api/stats').then(function (answer) { showStats(answer.body); }, function () {
      $('status').textContent = 'unreachable';
      $('status').className = 'pill pill-bad';
    }).then(function () { setTimeout(pollStats, STATS_EVERY_MS); });
  }

  // ---- Windows ----

  function iso(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showWindows(windows) {
    var body = $('windows').tBodies[0];
    body.replaceChildren();
    if (windows.length === 0) {
      var empty = el('tr');
      var cell = el('td', 'muted', 'No window written yet.');
      cell.colSpan = 4;
      empty.append(cell);
      body.append(empty);
      return;
    }
    windows.forEach(function (w) {
      var row = el('tr');
      row.append(
        el('td', '', iso(w.windowStart).slice(11) + ' – ' + iso(w.windowEnd).slice(11)),
        el('td', 'num', fmt(w.events)),
        el('td', 'num', fmt(w.rows)),
        el('td', 'topics-cell', w.topics.map(function (t) { return t.topic; }).join(', ')));
      body.append(row);
    });
    var latest = windows[0];
    $('latest-window-end').textContent = iso(latest.windowStart) + ' – ' + iso(latest.windowEnd) + ' · ' + fmt(latest.events) + ' events';
    $('latest-window-end').dataset.windowEnd = String(latest.windowEnd);
    var cards = latest.topics.map(function (t) {
      var card = el('div', 'topic-card');
      card.dataset.topic = t.topic;
      card.append(el('h3', '', t.topic));
      var list = el('ol');
      var top = t.pages.length ? t.pages[0].visitors : 1;
      t.pages.forEach(function (p) {
        var item = el('li');
        item.append(el('span', 'page', p.page), el('span', 'num', fmt(p.visitors)));
        var bar = el('span', 'bar');
        bar.style.width = (100 * p.visitors / top).toFixed(1) + '%';
        item.append(bar);
        item.title = p.page + ': ' + p.visitors + (p.visitors === 1 ? ' visitor' : ' visitors');
        list.append(item);
      });
      card.append(list);
      return card;
    });
    $('top-pages').replaceChildren.apply($('top-pages'), cards);
    var topics = $('topic-list');
    topics.replaceChildren.apply(topics, latest.topics.map(function (t) { var o = el('option'); o.value = t.topic; return o; }));
  }

  function loadWindows() {
    api('/api/windows?limit=' + WINDOWS_SHOWN).then(function (answer) {
      if (answer.status === 200) showWindows(answer.body.windows);
      else $('top-pages').replaceChildren(el('p', 'muted', answer.body.error));
    });
  }

  // ---- Recommendations ----

  $('recommend-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var query = new URLSearchParams({ client: $('rec-client').value, topic: $('rec-topic').value, n: $('rec-n').value });
    var result = $('rec-result');
    $('rec-note').textContent = 'asking…';
    api('/api/recommendations?' + query).then(function (answer) {
      result.replaceChildren();
      delete result.dataset.json;
      if (answer.status !== 200) {
        $('rec-note').textContent = answer.body.error;
        $('rec-note').className = 'error';
        return;
      }
      var note = answer.headers.get('Clickstream-Note');
      $('rec-note').textContent = note ? decodeURIComponent(note) : answer.body.length + ' of the top ' + $('rec-n').value + ' pages remain';
      $('rec-note').className = 'muted';
      answer.body.forEach(function (r) {
        var item = el('li', '', r.page + ' (' + r.visitors + (r.visitors === 1 ? ' visitor' : ' visitors') + ')');
        item.value = r.rank;
        result.append(item);
      });
      // The answer exactly as received, for whoever checks it against the CLI.
      result.dataset.json = JSON.stringify(answer.body);
    });
  });

  pollStats();
})();
