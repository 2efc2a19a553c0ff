// One cycle or command at a time per operator: each waits for the one before it.

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private held = 0;

  get busy(): boolean {
    return this.held > 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.held++;
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => this.held--,
      () => this.held--,
    );
    return result;
  }
}
