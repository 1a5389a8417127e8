import Module from 'node:module';
import { BATCH, LeanBatch, RECORD_DECODER, decodeRecord } from './lean-records';

// Puts lean-records' decoder and batch in Node's module cache in place of kafkajs's own, before
// kafkajs first loads: kafkajs binds both when it loads, so this is the only way to reach them.
// main.ts imports this module first of all.

/** Puts `exports` in the module cache as the module kafkajs resolves `request` to. */
function seed(request: string, exports: unknown): void {
  const path = require.resolve(request);
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = exports;
  require.cache[path] = module;
}

/** Whether kafkajs, as loaded in this process, decodes records with the replacements. */
export function isInstalled(): boolean {
  return require.cache[require.resolve(RECORD_DECODER)]?.exports === decodeRecord
    && require.cache[require.resolve(BATCH)]?.exports === LeanBatch;
}

if (require.cache[require.resolve('kafkajs')] !== undefined && !isInstalled()) {
  throw new Error('install-lean-records must be loaded before kafkajs: kafkajs has bound its record decoder already');
}
seed(BATCH, LeanBatch);
seed(RECORD_DECODER, decodeRecord);
