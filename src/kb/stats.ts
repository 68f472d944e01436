/** Counts a frontend needs without fetching everything, computed once when the data loads. */
import type { KnowledgeBase } from './knowledge-base.js';
import type { EventKind, OrganizationKind, StatementKind } from './records.js';

export interface Count<K> {
  key: K;
  count: number;
}

export interface SpeakerCount {
  personId: string;
  count: number;
  quotes: number;
  paraphrases: number;
}

export interface Statistics {
  statementsPerSpeaker: SpeakerCount[];
  statementsPerKind: Count<StatementKind>[];
  eventsPerCountry: Count<string>[];
  eventsPerKind: Count<EventKind>[];
  organizationsPerKind: Count<OrganizationKind>[];
  mentionsPerEntity: Count<string>[];
}

/** Tallies `keys` into counts, largest first; ties keep the order keys were first seen. */
function tally<K>(keys: Iterable<K>): Count<K>[] {
  const counts = new Map<K, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count);
}

const statisticsCache = new WeakMap<KnowledgeBase, Statistics>();

/** The statistics of `kb`, computed on first call (the loader calls it at load time) and kept. */
export function statisticsFor(kb: KnowledgeBase): Statistics {
  let statistics = statisticsCache.get(kb);
  if (statistics) return statistics;
  const { statements, events, organizations } = kb.records;
  const bySpeaker = new Map<string, SpeakerCount>();
  for (const statement of statements) {
    if (!statement.speakerId) continue;
    const entry = bySpeaker.get(statement.speakerId) ?? { personId: statement.speakerId, count: 0, quotes: 0, paraphrases: 0 };
    entry.count += 1;
    if (statement.kind === 'QUOTE') entry.quotes += 1;
    else entry.paraphrases += 1;
    bySpeaker.set(statement.speakerId, entry);
  }
  statistics = {
    statementsPerSpeaker: [...bySpeaker.values()].sort((a, b) => b.count - a.count),
    statementsPerKind: tally(statements.map((s) => s.kind)),
    eventsPerCountry: tally(events.flatMap((e) => [...new Set(e.locations.flatMap((l) => (l.countryId ? [l.countryId] : [])))])),
    eventsPerKind: tally(events.map((e) => e.kind)),
    organizationsPerKind: tally(organizations.map((o) => o.kind)),
    mentionsPerEntity: tally(statements.flatMap((s) => [...new Set(s.mentions.map((m) => m.entityId))])),
  };
  statisticsCache.set(kb, statistics);
  return statistics;
}
