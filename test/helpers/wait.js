'use strict';
// Waiting for a condition rather than for a time: tests poll what they wait for, with a deadline.

/**
 * Polls `probe` (sync or async; a truthy result ends the wait and is returned) every `intervalMs`
 * until `timeoutMs` has passed, then throws naming `what`. `stopIf` (e.g. "the process exited") fails early; `whileWaiting()` adds what was seen meanwhile to a timeout.
 */
async function waitFor(what, probe, { timeoutMs = 60_000, intervalMs = 100, stopIf, whileWaiting } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  for (;;) {
    try {
      const result = await probe();
      if (result) return result;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    const reason = stopIf?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    if (Date.now() >= deadline) {
      const seen = whileWaiting ? `\nmeanwhile:\n${whileWaiting()}` : '';
      throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

module.exports = { waitFor };
