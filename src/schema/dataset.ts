import { builder } from '../builder.js';
import type { RecordCounts } from '../kb/reader.js';
import type { Snapshot } from '../kb/snapshot.js';

const DatasetCountsRef = builder.objectRef<RecordCounts>('DatasetCounts');
DatasetCountsRef.implement({
  description: 'How many records of each kind are in force: what each root list\'s `totalCount` gives without filters. A record merged into another is counted once, as the record it was merged into; a retracted statement is not counted.',
  fields: (t) => ({
    sources: t.exposeInt('sources', { description: 'Sources.' }),
    persons: t.exposeInt('persons', { description: 'Persons, named and unnamed.' }),
    countries: t.exposeInt('countries', { description: 'Countries.' }),
    organizations: t.exposeInt('organizations', { description: 'Organizations.' }),
    events: t.exposeInt('events', { description: 'Events.' }),
    statements: t.exposeInt('statements', { description: 'Statements (quotes and paraphrases).' }),
  }),
});

export const DatasetRef = builder.objectRef<Snapshot>('Dataset');
DatasetRef.implement({
  description: 'Facts about the loaded knowledge base, so clients and caches can tell when it changed.',
  fields: (t) => ({
    version: t.string({
      description: 'A content hash of the data files: it changes whenever the knowledge changes, and only then.',
      resolve: (snapshot) => snapshot.info.version,
    }),
    loadedAt: t.field({ type: 'DateTime', description: 'When this server loaded and validated the data.', resolve: (snapshot) => snapshot.info.loadedAt }),
    counts: t.field({ type: DatasetCountsRef, description: 'How many records of each kind are in force.', resolve: (snapshot) => snapshot.reader.recordCounts() }),
  }),
});

builder.queryField('dataset', (t) =>
  t.field({ type: DatasetRef, description: 'The loaded knowledge base: its version, load time and size.', resolve: (_root, _args, context) => context.snapshot }),
);
