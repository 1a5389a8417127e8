// What the job's store holds: the latest windows, the newest one's top pages per topic, and the
// recommender over the store. A sink that keeps no tables (jsonl, none) has none of these.
import { api } from './api.js';
import { $, el, emptyRow, fmt, iso, plural } from './format.js';

const WINDOWS_SHOWN = 8;

/** Shows the store's cards, or says why there are none. */
export function showStore(stats) {
  for (const id of ['latest-window-card', 'store-split']) $(id).hidden = !stats.hasStore;
  $('no-store').hidden = stats.hasStore;
  $('no-store').textContent = stats.hasStore ? '' : 'This job\'s sink (' + stats.job.sink + ') keeps no tables: no windows to list and nothing to recommend from. Run it with --sink sqlite:PATH or --sink cassandra for those.';
}

function showWindows(windows) {
  const body = $('windows').tBodies[0];
  body.replaceChildren();
  if (windows.length === 0) {
    body.append(emptyRow('No window written yet.', 4));
    return;
  }
  windows.forEach((w) => {
    const row = el('tr');
    row.append(
      el('td', '', iso(w.windowStart).slice(11) + ' – ' + iso(w.windowEnd).slice(11)),
      el('td', 'num', fmt(w.events)),
      el('td', 'num', fmt(w.rows)),
      el('td', 'topics-cell', w.topics.map((t) => t.topic).join(', ')));
    body.append(row);
  });
  const latest = windows[0];
  $('latest-window-end').textContent = iso(latest.windowStart) + ' – ' + iso(latest.windowEnd) + ' · ' + plural(latest.events, 'event');
  $('latest-window-end').dataset.windowEnd = String(latest.windowEnd);
  const cards = latest.topics.map((t) => {
    const card = el('div', 'topic-card');
    card.dataset.topic = t.topic;
    card.append(el('h3', '', t.topic));
    const list = el('ol');
    const top = t.pages.length ? t.pages[0].visitors : 1;
    t.pages.forEach((p) => {
      const item = el('li');
      item.append(el('span', 'page', p.page), el('span', 'num', fmt(p.visitors)));
      const bar = el('span', 'bar');
      bar.style.width = (100 * p.visitors / top).toFixed(1) + '%';
      item.append(bar);
      item.title = p.page + ': ' + plural(p.visitors, 'visitor');
      list.append(item);
    });
    card.append(list);
    return card;
  });
  $('top-pages').replaceChildren.apply($('top-pages'), cards);
  const topics = $('topic-list');
  topics.replaceChildren.apply(topics, latest.topics.map((t) => {
    const option = el('option');
    option.value = t.topic;
    return option;
  }));
}

export function loadWindows() {
  api('/api/windows?limit=' + WINDOWS_SHOWN).then((answer) => {
    if (answer.status === 200) showWindows(answer.body.windows);
    else $('top-pages').replaceChildren(el('p', 'muted', answer.body.error));
  });
}

export function handleRecommendations() {
  $('recommend-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ client: $('rec-client').value, topic: $('rec-topic').value, n: $('rec-n').value });
    const result = $('rec-result');
    $('rec-note').textContent = 'asking…';
    api('/api/recommendations?' + query).then((answer) => {
      result.replaceChildren();
      delete result.dataset.json;
      if (answer.status !== 200) {
        $('rec-note').textContent = answer.body.error;
        $('rec-note').className = 'error';
        return;
      }
      const note = answer.headers.get('Clickstream-Note');
      $('rec-note').textContent = note ? decodeURIComponent(note) : answer.body.length + ' of the top ' + $('rec-n').value + ' pages remain';
      $('rec-note').className = 'muted';
      answer.body.forEach((r) => {
        const item = el('li', '', r.page + ' (' + plural(r.visitors, 'visitor') + ')');
        item.value = r.rank;
        result.append(item);
      });
      // The answer exactly as received, for whoever checks it against the CLI.
      result.dataset.json = JSON.stringify(answer.body);
    });
  });
}
