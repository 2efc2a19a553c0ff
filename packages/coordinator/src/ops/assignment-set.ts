// A job's assignments while an op works on them: changes are made in memory and each changed
// assignment is written once, at save(), however many steps touched it.
import type { Assignment } from "../core/model.ts";
import type { Tx } from "../store/types.ts";

export class AssignmentSet {
  #rows: Assignment[];
  readonly #dirty = new Set<string>();

  constructor(rows: readonly Assignment[]) {
    this.#rows = [...rows];
  }

  static async load(tx: Tx, jobId: string): Promise<AssignmentSet> {
    return new AssignmentSet(await tx.assignments(jobId));
  }

  get all(): readonly Assignment[] {
    return this.#rows;
  }

  get(id: string): Assignment | undefined {
    return this.#rows.find((row) => row.id === id);
  }

  update(next: Assignment): Assignment {
    this.#rows = this.#rows.map((row) => (row.id === next.id ? next : row));
    this.#dirty.add(next.id);
    return next;
  }

  async save(tx: Tx): Promise<void> {
    for (const row of this.#rows) if (this.#dirty.has(row.id)) await tx.updateAssignment(row);
    this.#dirty.clear();
  }
}
