/**
 * Finding the records an article file should name: by id or slug, by a source's title, and by name,
 * alias or words through the knowledge base's own search (which forgives accents and typos).
 */
import type { KnowledgeBase, RecordKind } from '../kb/knowledge-base.js';
import type { PersonRecord, SourceRecord } from '../kb/records.js';
import { searchIndexFor } from '../kb/search.js';
import { clip, foldText } from '../kb/text.js';

export interface FoundRecord {
  id: string;
  kind: RecordKind;
  /** The record in a line: its name (or label, title, words) and what it is. */
  label: string;
}

/** A record in one line, for a curator choosing the id to use. */
function labelOf(kb: KnowledgeBase, id: string): string {
  const record = kb.storedRecord(id)!;
  switch (kb.kindOf(id)) {
    case 'Source':
      return `"${(record as SourceRecord).title}"${(record as SourceRecord).publishedOn ? ` (${(record as SourceRecord).publishedOn!.value})` : ''}`;
    case 'Statement':
      return `“${clip((record as { text: string }).text, { max: 70 })}”`;
    case 'Person': {
      const person = record as PersonRecord;
      const roles = person.roles.filter((role) => !role.retracted).map((role) => role.title);
      return `${person.name ?? `${person.label} (unnamed)`}${roles.length > 0 ? ` — ${[...new Set(roles)].join(', ')}` : ''}`;
    }
    default: {
      const named = record as { name: string; aliases: string[] };
      return `${named.name}${named.aliases.length > 0 ? ` (also ${named.aliases.join(', ')})` : ''}`;
    }
  }
}


/** Records matching `words`, best first: an exact id, then sources by title, then search hits; at most `limit`. */
export function findRecords(kb: KnowledgeBase, words: string, limit = 20): FoundRecord[] {
  const ids: string[] = [];
  const add = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  const trimmed = words.trim();
  if (kb.storedRecord(trimmed)) add(kb.resolveId(trimmed));
  const folded = foldText(trimmed);
  for (const source of kb.stored.sources) if (folded !== '' && foldText(source.title).includes(folded)) add(source.id);
  for (const hit of searchIndexFor(kb).search(trimmed)) add(hit.recordId);
  return ids.slice(0, limit).map((id) => ({ id, kind: kb.kindOf(id)!, label: labelOf(kb, id) }));
}
