/** Counts a frontend needs without fetching everything, computed once when the data loads. */
import { sourceIdsOfStatement } from './coverage.js';
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
  interpretations: number;
}

/** What one source contributes: the statements it reports and how many of them other sources report too. */
export interface SourceCount {
  sourceId: string;
  statements: number;
  corroborated: number;
  persons: number;
  organizations: number;
  countries: number;
  events: number;
}

export interface Statistics {
  statementsPerSpeaker: SpeakerCount[];
  statementsPerKind: Count<StatementKind>[];
  eventsPerCountry: Count<string>[];
  eventsPerKind: Count<EventKind>[];
  organizationsPerKind: Count<OrganizationKind>[];
  mentionsPerEntity: Count<string>[];
  perSource: SourceCount[];
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
    // Persons only: the counts answer "who said most", and `SpeakerCount.speaker` is a Person.
    if (!statement.speakerId || kb.kindOf(statement.speakerId) !== 'Person') continue;
    const entry = bySpeaker.get(statement.speakerId) ?? { personId: statement.speakerId, count: 0, quotes: 0, paraphrases: 0, interpretations: 0 };
    entry.count += 1;
    if (statement.kind === 'QUOTE') entry.quotes += 1;
    else if (statement.kind === 'PARAPHRASE') entry.paraphrases += 1;
    else entry.interpretations += 1;
    bySpeaker.set(statement.speakerId, entry);
  }
  // Per source: only the stats page asks, and it needs the coverage index, so it is counted on first read.
  let perSource: SourceCount[] | undefined;
  const countPerSource = (): SourceCount[] => {
    const sourceCountOf = new Map(statements.map((statement) => [statement.id, sourceIdsOfStatement(statement).length]));
    return kb.orderedIds.sources.map((sourceId) => {
      const reported = kb.statementIdsBySourceIds([sourceId])[0]!;
      const covered = (kind: 'persons' | 'organizations' | 'countries' | 'events') => kb.coveredIdsBySourceIds(kind, [sourceId])[0]!.length;
      return {
        sourceId,
        statements: reported.length,
        corroborated: reported.filter((id) => (sourceCountOf.get(id) ?? 0) > 1).length,
        persons: covered('persons'),
        organizations: covered('organizations'),
        countries: covered('countries'),
        events: covered('events'),
      };
    });
  };
  statistics = {
    statementsPerSpeaker: [...bySpeaker.values()].sort((a, b) => b.count - a.count),
    statementsPerKind: tally(statements.map((s) => s.kind)),
    eventsPerCountry: tally(events.flatMap((e) => [...new Set(e.locations.flatMap((l) => (l.countryId ? [l.countryId] : [])))])),
    eventsPerKind: tally(events.map((e) => e.kind)),
    organizationsPerKind: tally(organizations.map((o) => o.kind)),
    mentionsPerEntity: tally(statements.flatMap((s) => [...new Set(s.mentions.map((m) => m.entityId))])),
    get perSource() {
      return (perSource ??= countPerSource());
    },
  };
  statisticsCache.set(kb, statistics);
  return statistics;
}
