/**
 * The records one request's statements brought back beside what they were asked for: a page's records
 * with its ids, a referent's record with its kind. The lookup by id that nearly always follows (the
 * page's nodes, the speaker's name) is then answered from here instead of by a statement of its own:
 * each statement a request sends is a round trip and a wakeup of PostgreSQL's backend, which cost more
 * than reading the records a second time (a nested statement page went from seven statements to five).
 *
 * Only for one request's reads: every statement of its read session sees one snapshot, so a record
 * kept from an earlier statement is the record a later lookup would read.
 */

/** Records by table and id, as stored (the `record_text` column, parsed), and what merged ids resolve to. */
export class SeenRecords {
  private readonly byTable = new Map<string, Map<string, unknown>>();
  private readonly mergedInto = new Map<string, string>();

  /** Keeps `record`, the record of `id` in `table`, which is in force (not merged into another). */
  keep(table: string, id: string, record: unknown): void {
    let byId = this.byTable.get(table);
    if (!byId) this.byTable.set(table, (byId = new Map()));
    byId.set(id, record);
  }

  /** Keeps that the merged id `id` answers with the record of `keptId` (of the same kind). */
  keepMerge(id: string, keptId: string): void {
    this.mergedInto.set(id, keptId);
  }

  /** The record in force that `id` names in `table` (its own, or the one it was merged into), when a statement of the request read it. */
  inForce(table: string, id: string): unknown {
    const byId = this.byTable.get(table);
    return byId?.get(id) ?? byId?.get(this.mergedInto.get(id) ?? id);
  }

  /** The record `id` names as stored, of any table, when a statement of the request read it (a merged record's own is never kept). */
  stored(id: string): unknown {
    for (const byId of this.byTable.values()) {
      const record = byId.get(id);
      if (record !== undefined) return record;
    }
    return undefined;
  }
}
