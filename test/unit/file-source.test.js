'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { test } = require('uvu');
const assert = require('uvu/assert');
const { createFileSource } = require('../../dist/sources/file/file-source');
const { LineSplitter } = require('../../dist/sources/file/lines');
const { batchesOf } = require('../helpers/source-batches');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-file-source-'));
const FILE_MODULE = path.join(__dirname, '..', '..', 'dist', 'sources', 'file', 'file-source.js');
const LIMIT = 65_536; // a message over 64 KiB is rejected
const KEPT = LIMIT + 1;

function writeFile(name, content) {
  const file = path.join(TMP, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A line as compared in assertions: long lines by length and ends, so a failure stays readable. */
function summary(text, line) {
  return text.length > 100 ? { length: text.length, ends: text.slice(0, 10) + text.slice(-10), line } : { text, line };
}

/** Equal line lists; on failure, shows the first difference rather than diffing thousands of lines. */
function assertSameLines(actual, expected, what) {
  const first = expected.findIndex((line, i) => JSON.stringify(line) !== JSON.stringify(actual[i]));
  if (first !== -1) assert.equal(actual[first], expected[first], `${what}: line entry ${first}`);
  assert.is(actual.length, expected.length, `${what}: number of lines`);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.unreachable('expected a rejection');
}

/** Every message of every batch, with its line number. */
async function readAll(source) {
  const lines = [];
  for await (const batch of batchesOf(source)) {
    assert.is(batch.partition, 0);
    batch.messages.forEach((message, i) => {
      const position = batch.position(i);
      assert.is(position.kind, 'line');
      lines.push(summary(message.toString(), position.line));
    });
  }
  return lines;
}

/** What the source should produce, by the simplest reading of the rules. */
function expectedLines(content) {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines
    .map((text, i) => ({ text: Buffer.from(text).subarray(0, KEPT).toString(), line: i + 1 }))
    .filter(({ text }) => text !== '' && text !== '\r')
    .map(({ text, line }) => summary(text, line));
}

test('blank lines are skipped but counted; CRLF keeps its \\r; a last line needs no newline', async () => {
  const content = '{"a":1}\n\n{"b":2}\r\n\r\n  \n{"c":3}';
  const file = writeFile('blank.ndjson', content);
  const lines = await readAll(createFileSource(file));
  assert.equal(lines, [
    { text: '{"a":1}', line: 1 },
    { text: '{"b":2}\r', line: 3 },
    { text: '  ', line: 5 },
    { text: '{"c":3}', line: 6 },
  ]);
});

test('an over-long line is cut to 64 KiB + 1 byte and the next line is read intact', async () => {
  const long = 'x'.repeat(3 * 1024 * 1024);
  const file = writeFile('long.ndjson', `{"first":1}\n${long}\n{"after":true}\n`);
  const lines = await readAll(createFileSource(file));
  assert.is(lines.length, 3);
  assert.equal(lines[1], { length: KEPT, ends: 'x'.repeat(20), line: 2 });
  assert.equal(lines[2], { text: '{"after":true}', line: 3 });
});

test('lines split across reads, many batches: every line, in order, numbered', async () => {
  const parts = [];
  for (let i = 0; i < 30_000; i++) parts.push(i % 1000 === 0 ? '' : `{"n":${i},"pad":"${'p'.repeat(i % 200)}"}`);
  const content = parts.join('\n') + '\n';
  const source = createFileSource(writeFile('many.ndjson', content));
  assert.is(source.partitionCount(), 1);
  let batches = 0;
  const lines = [];
  for await (const batch of batchesOf(source)) {
    batches++;
    assert.ok(batch.messages.length > 0 && batch.messages.length <= 4096, `batch of ${batch.messages.length}`);
    batch.messages.forEach((message, i) => lines.push(summary(message.toString(), batch.position(i).line)));
  }
  assert.ok(batches >= 8, `${batches} batches`);
  assertSameLines(lines, expectedLines(content), 'many lines');
});

test('splitting does not depend on where the chunks end', () => {
  const content = ['{"a":1}', '', '\r', 'é€😀', 'y'.repeat(KEPT + 5000), '{"b":2}\r', 'z'.repeat(LIMIT), 'tail'].join('\n');
  const bytes = Buffer.from(content);
  for (const chunkSize of [1, 3, 1000, 65_536, bytes.length]) {
    const splitter = new LineSplitter(3);
    const lines = [];
    const collect = (batch) => batch.messages.forEach((m, i) => lines.push(summary(m.toString(), batch.position(i).line)));
    for (let at = 0; at < bytes.length; at += chunkSize) {
      const chunk = bytes.subarray(at, at + chunkSize);
      for (let offset = 0; offset < chunk.length; ) {
        offset = splitter.feed(chunk, offset);
        if (splitter.isFull()) collect(splitter.take());
      }
    }
    splitter.end();
    if (splitter.hasMessages()) collect(splitter.take());
    assertSameLines(lines, expectedLines(content), `chunks of ${chunkSize}`);
  }
});

test('an empty file has no messages', async () => {
  assert.equal(await readAll(createFileSource(writeFile('empty.ndjson', ''))), []);
  assert.equal(await readAll(createFileSource(writeFile('newlines.ndjson', '\n\r\n\n'))), []);
});

test("'-' reads stdin", () => {
  const script = `
    const { createFileSource } = require(${JSON.stringify(FILE_MODULE)});
    (async () => {
      const lines = [];
      for await (const batch of createFileSource('-').events())
        if (batch.kind === 'batch') batch.messages.forEach((m, i) => lines.push([m.toString(), batch.position(i).line]));
      process.stdout.write(JSON.stringify(lines));
    })();`;
  const child = spawnSync(process.execPath, ['-e', script], { input: '{"x":1}\n\n{"y":"é"}\n{"z":3}', encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout), [
    ['{"x":1}', 1],
    ['{"y":"é"}', 3],
    ['{"z":3}', 4],
  ]);
});

test('stop() ends reading from an idle pipe, and the process can exit', async () => {
  const script = `
    const { createFileSource } = require(${JSON.stringify(FILE_MODULE)});
    const source = createFileSource('-');
    (async () => {
      for await (const batch of source.events()) {
        if (batch.kind !== 'batch') continue;
        process.stdout.write('got ' + batch.messages.length + '\\n');
        source.stop();
      }
      process.stdout.write('ended\\n');
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.write('{"x":1}\n'); // and the pipe stays open
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  const watchdog = setTimeout(() => child.kill(), 10_000);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(watchdog);
  child.stdin.destroy();
  assert.is(output, 'got 1\nended\n');
  assert.is(code, 0);
});

test('stop() ends a file source after the batch in flight', async () => {
  const content = Array.from({ length: 20_000 }, (_, i) => `{"n":${i}}`).join('\n');
  const source = createFileSource(writeFile('stop.ndjson', content));
  let batches = 0;
  for await (const batch of batchesOf(source)) {
    assert.ok(batch.messages.length > 0);
    batches++;
    source.stop();
  }
  assert.is(batches, 1);
});

test('a missing or unreadable path is an error naming it', async () => {
  const missing = path.join(TMP, 'does-not-exist.ndjson');
  assert.match((await rejection(readAll(createFileSource(missing)))).message, `cannot read ${missing}`);
  assert.match((await rejection(readAll(createFileSource(TMP)))).message, `cannot read ${TMP}`);
  assert.is((await readAll(createFileSource(writeFile('present.ndjson', '{}\n')))).length, 1);
});

test.after(() => fs.rmSync(TMP, { recursive: true, force: true }));

test.run();
