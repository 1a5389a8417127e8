'use strict';
// A live stream for a job reading stdin (--source file:- --clock event): synthetic production events
// (from `clickstream-produce --to -`, so real titles in many scripts) re-timed to the moment they are
// written, up to 1.5 s out of order, with a bad line of each kind among them now and then. Paced by a
// timer; pause() stops it, so a test can compare numbers that then hold still.
const { runCliSync } = require('./cli');

/** Lines of the job's input that are not events, one of each rejection reason the feed shows. */
const BAD_LINES = [
  () => '{"client_id": "c1", "timestamp": "2017-01-25T14:03:32", "url": ',
  () => JSON.stringify({ client_id: 4149719179064208, timestamp: new Date().toISOString(), url: { topic: 'Action', page: 'Heat' } }),
  () => JSON.stringify({ client_id: 'c2', timestamp: '2017-02-30T10:00:00', url: { topic: 'Action', page: 'Heat' } }),
  // Two minutes ago: every window of it is closed by now.
  () => JSON.stringify({ client_id: 'c3', timestamp: new Date(Date.now() - 120_000).toISOString(), url: { topic: 'Action', page: 'Heat' } }),
];

class LiveFeed {
  /**
   * `stdin`: the job's stdin. Every `badEvery`-th line is a bad one. `perTick` lines go every `everyMs`.
   */
  constructor(stdin, { events = 30_000, perTick = 30, everyMs = 100, badEvery = 150 } = {}) {
    const produced = runCliSync('produce.js', ['--to', '-', '--source', 'synthetic:production', '--events', String(events), '--seed', '11']);
    if (produced.code !== 0) throw new Error(`clickstream-produce --to - failed: ${produced.stderr}`);
    this.events = produced.stdout.split('\n').filter(Boolean);
    this.stdin = stdin;
    this.perTick = perTick;
    this.everyMs = everyMs;
    this.badEvery = badEvery;
    /** Lines written so far. */
    this.written = 0;
    this.timer = null;
  }

  start() {
    this.timer ??= setInterval(() => this.tick(), this.everyMs);
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
  }

  end() {
    this.pause();
    this.stdin.end();
  }

  tick() {
    const lines = [];
    for (let i = 0; i < this.perTick; i++) {
      const n = this.written + lines.length;
      if (n % this.badEvery === this.badEvery - 1) {
        lines.push(BAD_LINES[Math.floor(n / this.badEvery) % BAD_LINES.length]());
        continue;
      }
      const at = new Date(Date.now() - Math.floor(Math.random() * 1500)).toISOString();
      lines.push(this.events[n % this.events.length].replace(/"timestamp":"[^"]*"/, `"timestamp":"${at}"`));
    }
    this.stdin.write(lines.join('\n') + '\n');
    this.written += lines.length;
  }
}

module.exports = { LiveFeed };
