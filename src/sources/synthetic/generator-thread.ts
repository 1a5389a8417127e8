import { parentPort, workerData } from 'node:worker_threads';
import { createGenerator } from './generator';
import type { GeneratorThreadData } from './remote-generator';

/**
 * The synthetic source's own thread at `--rate max`: it draws and writes events as a broker would
 * serve them from another process, so the main thread spends its time on the engine's work.
 * Requests are answered in order, each with its messages packed into one transferred buffer.
 */
const { profile, seed } = workerData as GeneratorThreadData;
const generator = createGenerator(profile, seed);

parentPort!.on('message', (count: number) => {
  const packed = generator.nextPacked(count);
  parentPort!.postMessage(packed, [packed.memory, packed.ends.buffer as ArrayBuffer]);
});
