/**
 * Statistics (src/kb/stats.ts `statisticsFor`) and record counts (`KnowledgeBase.counts`) from
 * PostgreSQL, as aggregates: one statement each. Each tally is largest first with ties in the order
 * its keys are first seen in the data, as `tally` leaves them: statements in source order (migration
 * 0002's key), events and organizations in file order, a record's links in their own order.
 */
import type { RecordCounts } from '../../kb/reader.js';
import type { Statistics } from '../../kb/stats.js';
import { visibleSql, type RowsOf } from './sql.js';

/** A statement's place in source order, as one comparable array. */
const sourceOrder = (alias: string) => `ARRAY[${alias}.first_source_position, ${alias}.first_evidence_start, ${alias}.position]`;

/** `{ key, count }` objects of a grouped subquery with columns key, count and first_seen, largest first, ties first seen first. */
const tallied = (grouped: string) =>
  `(SELECT coalesce(json_agg(json_build_object('key', t.key, 'count', t.count) ORDER BY t.count DESC, t.first_seen), '[]') FROM (${grouped}) t)`;

const statisticsSql = `
SELECT
  (SELECT coalesce(json_agg(json_build_object('personId', t.speaker_id, 'count', t.count, 'quotes', t.quotes, 'paraphrases', t.paraphrases,
            'interpretations', t.interpretations) ORDER BY t.count DESC, t.first_seen), '[]')
     FROM (SELECT s.speaker_id, count(*)::int AS count,
                  count(*) FILTER (WHERE s.kind = 'QUOTE')::int AS quotes,
                  count(*) FILTER (WHERE s.kind = 'PARAPHRASE')::int AS paraphrases,
                  count(*) FILTER (WHERE s.kind NOT IN ('QUOTE', 'PARAPHRASE'))::int AS interpretations,
                  min(${sourceOrder('s')}) AS first_seen
             FROM statements s JOIN records speaker ON speaker.id = s.speaker_id AND speaker.kind = 'Person'
            WHERE ${visibleSql.statements('s')}
            GROUP BY s.speaker_id) t) AS "statementsPerSpeaker",
  ${tallied(`SELECT s.kind AS key, count(*)::int AS count, min(${sourceOrder('s')}) AS first_seen FROM statements s WHERE ${visibleSql.statements('s')} GROUP BY s.kind`)} AS "statementsPerKind",
  ${tallied(`SELECT l.country_id AS key, count(DISTINCT l.event_id)::int AS count, min(ARRAY[e.position, l.ordinal]) AS first_seen
               FROM event_locations l JOIN events e ON e.id = l.event_id
              WHERE l.country_id IS NOT NULL AND ${visibleSql.events('e')} GROUP BY l.country_id`)} AS "eventsPerCountry",
  ${tallied(`SELECT e.kind AS key, count(*)::int AS count, min(e.position) AS first_seen FROM events e WHERE ${visibleSql.events('e')} GROUP BY e.kind`)} AS "eventsPerKind",
  ${tallied(`SELECT o.kind AS key, count(*)::int AS count, min(o.position) AS first_seen FROM organizations o WHERE ${visibleSql.organizations('o')} GROUP BY o.kind`)} AS "organizationsPerKind",
  ${tallied(`SELECT m.entity_id AS key, count(DISTINCT m.statement_id)::int AS count, min(${sourceOrder('s')} || m.ordinal) AS first_seen
               FROM statement_mentions m JOIN statements s ON s.id = m.statement_id
              WHERE ${visibleSql.statements('s')} GROUP BY m.entity_id`)} AS "mentionsPerEntity",
  (SELECT coalesce(json_agg(json_build_object('sourceId', src.id, 'statements', coalesce(reported.statements, 0), 'corroborated', coalesce(reported.corroborated, 0),
            'persons', coalesce(covered.persons, 0), 'organizations', coalesce(covered.organizations, 0),
            'countries', coalesce(covered.countries, 0), 'events', coalesce(covered.events, 0)) ORDER BY src.position), '[]')
     FROM sources src
     LEFT JOIN (SELECT r.source_id, count(DISTINCT s.id)::int AS statements, count(DISTINCT s.id) FILTER (WHERE s.source_count > 1)::int AS corroborated
                  FROM statement_reports r JOIN statements s ON s.id = r.statement_id
                 WHERE NOT r.retracted AND ${visibleSql.statements('s')} GROUP BY r.source_id) reported ON reported.source_id = src.id
     LEFT JOIN (SELECT c.source_id,
                       count(p.id)::int AS persons, count(o.id)::int AS organizations, count(k.id)::int AS countries, count(e.id)::int AS events
                  FROM record_sources c
                  LEFT JOIN persons p ON p.id = c.record_id AND ${visibleSql.persons('p')}
                  LEFT JOIN organizations o ON o.id = c.record_id AND ${visibleSql.organizations('o')}
                  LEFT JOIN countries k ON k.id = c.record_id AND ${visibleSql.countries('k')}
                  LEFT JOIN events e ON e.id = c.record_id AND ${visibleSql.events('e')}
                 GROUP BY c.source_id) covered ON covered.source_id = src.id) AS "perSource"`;

/** The statistics `statisticsFor(kb)` gives, from one statement of aggregates. */
export async function statistics(rows: RowsOf): Promise<Statistics> {
  const [row] = await rows<Statistics>(statisticsSql, []);
  return row!;
}

/** One collection's records in force, as the root list of that collection counts them (visibleSql). */
const inForceCount = (collection: keyof typeof visibleSql) => `(SELECT count(*) FROM ${collection} r WHERE ${visibleSql[collection]('r')})::int AS ${collection}`;

/** As `KnowledgeBase.counts`: the records in force, neither merged away nor (statements) retracted. */
const countsSql = `
SELECT
  (SELECT count(*) FROM sources)::int AS sources,
  ${inForceCount('persons')},
  ${inForceCount('countries')},
  ${inForceCount('organizations')},
  ${inForceCount('events')},
  ${inForceCount('statements')}`;

/** How many records of each kind, as `kb.counts` gives them, in one statement. */
export async function recordCounts(rows: RowsOf): Promise<RecordCounts> {
  const [row] = await rows<RecordCounts>(countsSql, []);
  return row!;
}
