/**
 * The job refuses to run, before it reads or writes anything, because running would break the store
 * or lose rows: exit 2 when the command line is what must change (a store holding another job, a group
 * ahead of its store), exit 1 when something outside it must (another process writing the store). The
 * message says what differs and how to go on.
 */
export class StoreRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export function isStoreRefusal(error: unknown): error is StoreRefusal {
  return error instanceof StoreRefusal;
}
