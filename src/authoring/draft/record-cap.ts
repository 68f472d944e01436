/**
 * How many records a draft of an article may read, where the knowledge base is not in memory
 * (PostgreSQL): a draft holds every record it reads at once, so a text naming hundreds of thousands of
 * them would take the server's memory with it. Kept apart from the drafter, which is loaded on first use.
 */

/**
 * The cap by default (NEWSGRAPH_DRAFT_MAX_RECORDS). Real texts name tens to thousands of records; the
 * bench's multiplied data, where every name is borne once per block of 1000, about 107,000 at 10,000x the
 * seed (drafted in 6.7 s, the server peaking at 1.6 GB) and a million at 100,000x (which, uncapped,
 * took the server past V8's heap limit; capped, it is refused in about 15 s, the server peaking at 1.3 GB).
 */
export const DRAFT_MAX_RECORDS = 150_000;

/** A draft refused because its text names more records than the cap. */
export class DraftTooLargeError extends Error {
  override name = 'DraftTooLargeError';
  constructor(readonly maxRecords: number) {
    super(`this text names more records than a draft reads (at most ${maxRecords}): draft a part of it, or raise NEWSGRAPH_DRAFT_MAX_RECORDS`);
  }
}
