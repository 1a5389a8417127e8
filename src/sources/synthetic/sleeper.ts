/** Timer sleeps that wake() cuts short, so a source waiting for its next tick can stop at once. */
export class Sleeper {
  private timer: NodeJS.Timeout | undefined;
  private resolve: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), ms);
    });
  }

  /** Ends the current sleep, if any, now. */
  wake(): void {
    clearTimeout(this.timer);
    const resolve = this.resolve;
    this.timer = this.resolve = undefined;
    resolve?.();
  }
}
