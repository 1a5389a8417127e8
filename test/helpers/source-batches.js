'use strict';

/** A source's batches alone, as they come between its assignment events (src/sources/source.ts). */
async function* batchesOf(source) {
  for await (const event of source.events()) if (event.kind === 'batch') yield event;
}

module.exports = { batchesOf };
