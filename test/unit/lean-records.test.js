'use strict';
// The record decoder and batch filter that replace kafkajs's own (src/kafka/lean-records.ts) give
// exactly what kafkajs's give, record for record, on records encoded by kafkajs's own encoder: offsets
// and timestamps near and past 2^53, negative and 9-byte timestamp deltas, log-append time, headers,
// null keys and values, control batches; and the batch keeps the same messages for any fetched offset.
const { test } = require('uvu');
const assert = require('uvu/assert');

const { execFileSync } = require('node:child_process');
const originalDecodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder');
const OriginalBatch = require('kafkajs/src/consumer/batch');
const lean = require('../../dist/kafka/lean-records');
const Decoder = require('kafkajs/src/protocol/decoder');
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const Long = require('kafkajs/src/utils/long');
const TimestampTypes = require('kafkajs/src/protocol/timestampTypes');

/** The bytes of one record as a record batch carries them (its length first). */
function recordBytes(record) {
  return encodeRecord(record).buffer;
}

function decodeWith(decodeRecord, bytes, context) {
  const outer = new Decoder(bytes);
  const decoder = new Decoder(outer.readVarIntBytes());
  const record = decodeRecord(decoder, context);
  return { record, consumed: decoder.offset };
}

const CONTEXTS = [
  { firstOffset: '0', firstTimestamp: '1485352800000', magicByte: 2, timestampType: TimestampTypes.CREATE_TIME, maxTimestamp: '1485352899999' },
  { firstOffset: '123456789', firstTimestamp: '-1', magicByte: 2, timestampType: TimestampTypes.CREATE_TIME, maxTimestamp: '-1' },
  { firstOffset: '9007199254740990', firstTimestamp: '9007199254740000', magicByte: 2, timestampType: TimestampTypes.CREATE_TIME, maxTimestamp: '0' },
  { firstOffset: '9223372036854775000', firstTimestamp: '-9007199254740000', magicByte: 2, timestampType: TimestampTypes.CREATE_TIME, maxTimestamp: '0' },
  { firstOffset: '42', firstTimestamp: '1485352800000', magicByte: 2, timestampType: TimestampTypes.LOG_APPEND_TIME, maxTimestamp: '1600000000000' },
  { firstOffset: '7', firstTimestamp: '1485352800000', magicByte: 2, timestampType: TimestampTypes.CREATE_TIME, maxTimestamp: '1', isControlBatch: true },
];

const RECORDS = [
  { offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('{"a":1}') },
  { offsetDelta: 1, timestampDelta: 5, key: Buffer.from('k'), value: null },
  { offsetDelta: 17, timestampDelta: -3, key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: Buffer.from('1'), twice: [Buffer.from('a'), Buffer.from('b')] } },
  { offsetDelta: 2_000_000, timestampDelta: 2 ** 40, key: null, value: Buffer.from('x') },
  { offsetDelta: 300, timestampDelta: -(2 ** 47), key: null, value: Buffer.from('y') },
  // 2^48 and more take 8 or 9 bytes as a zigzag varlong: kafkajs's Long path.
  { offsetDelta: 5, timestampDelta: Long.fromValue('1099511627776000'), key: null, value: Buffer.from('z') },
  { offsetDelta: 6, timestampDelta: Long.fromValue('-4611686018427387904'), key: null, value: Buffer.from('w') },
];

test('each record decodes to what kafkajs decodes, and leaves the decoder at the same byte', () => {
  for (const context of CONTEXTS) {
    for (const record of RECORDS) {
      const bytes = recordBytes(record);
      const expected = decodeWith(originalDecodeRecord, bytes, context);
      const actual = decodeWith(lean.decodeRecord, bytes, context);
      assert.equal(actual, expected, `${JSON.stringify(context)} ${record.offsetDelta}`);
    }
  }
});

test('decimalPlus gives Long\'s decimal on both sides of 2^53, and readVarLongNumber reads zigzag as kafkajs does', () => {
  for (const [first, delta] of [['0', 0], ['-1', 1], ['9007199254740991', 1], ['9007199254740990', 1], ['-9007199254740991', -1], ['18446744073709551615', 1]]) {
    assert.is(lean.decimalPlus(first, delta), Long.fromValue(first).add(delta).toString(), `${first} + ${delta}`);
  }
  for (const value of [0, 1, -1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 48 - 1, -(2 ** 48)]) {
    const bytes = encodeRecord({ timestampDelta: value, value: null, key: null }).buffer;
    const ours = new Decoder(bytes);
    ours.readVarInt();
    ours.readInt8();
    const theirs = new Decoder(bytes);
    theirs.readVarInt();
    theirs.readInt8();
    assert.is(String(lean.readVarLongNumber(ours)), theirs.readVarLong().toString(), String(value));
    assert.is(ours.offset, theirs.offset);
  }
});

test('a batch keeps the messages kafkajs keeps, whatever the fetched offset and the offsets\' lengths', () => {
  const offsets = ['8', '9', '10', '11', '99', '100', '101', '9007199254740993', '10000000000000000000'];
  const partitionData = () => ({
    partition: 0,
    highWatermark: '200',
    abortedTransactions: [],
    messages: offsets.map((offset) => ({ offset, isControlRecord: offset === '100', batchContext: {} })),
  });
  for (const fetched of ['0', '9', '10', '100', '101', '9007199254740992', '10000000000000000000', Long.fromValue('10'), -1, 10]) {
    const expected = new OriginalBatch('t', fetched, partitionData());
    const actual = new lean.LeanBatch('t', fetched, partitionData());
    assert.equal(actual.messages.map((m) => m.offset), expected.messages.map((m) => m.offset), String(fetched));
    assert.equal(actual.messagesWithinOffset.map((m) => m.offset), expected.messagesWithinOffset.map((m) => m.offset), String(fetched));
    assert.is(actual.firstOffset(), expected.firstOffset());
    assert.is(actual.lastOffset(), expected.lastOffset());
    assert.is(actual.offsetLag(), expected.offsetLag());
  }
});

test('kafkajs loaded after install-lean-records decodes with the replacements; loaded before, the install refuses', () => {
  const dist = JSON.stringify(require.resolve('../../dist/kafka/install-lean-records'));
  const after = `const { isInstalled } = require(${dist}); require('kafkajs'); process.stdout.write(String(isInstalled()))`;
  assert.is(execFileSync(process.execPath, ['-e', after], { encoding: 'utf8' }), 'true');
  const before = `require('kafkajs'); try { require(${dist}); } catch (error) { process.stdout.write(error.message) }`;
  assert.match(execFileSync(process.execPath, ['-e', before], { encoding: 'utf8' }), 'must be loaded before kafkajs');
});

test.run();
