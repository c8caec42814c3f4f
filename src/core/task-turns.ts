/**
 * Turns of work, one per task of the event loop. Work that awaits only promises which settle at
 * once (WebCrypto on small inputs, hashing in JS) runs as one chain of microtasks: the page can
 * neither paint nor answer input until all of it is done. Taking a turn before each piece puts
 * every piece in a task of its own (issue 23 item 5: a device with many friends signed and
 * sealed a hello and a bye for each of them in one task of over 100 ms as the app opened).
 */
export class TaskTurns {
  private last: Promise<void> = Promise.resolve();

  /** Resolves in a task of its own, after the turns taken before it. */
  take(): Promise<void> {
    const turn = this.last.then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    this.last = turn;
    return turn;
  }
}
