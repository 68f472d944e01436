/**
 * PostGraphile v5 on the newsgraph database: the peer of issue #15, started by `npm run bench:peer`
 * (bench/peer-postgraphile.ts), which runs it on plain Node, as `npm start` runs ours. Environment:
 * DATABASE_URL (required), PORT (0 picks one), HOST (default 127.0.0.1).
 *
 * Plain JavaScript, not TypeScript: grafast's typings augment graphql-js's `ExecutionResult` globally
 * (`hasNext?: never`), which breaks graphql-yoga's types in our `tsc` program; outside it, they do not.
 *
 * Set up as the PostGraphile documentation recommends for production (library mode, "Using PostGraphile
 * as a Library"): the amber preset, one pg service on the public schema (node-postgres pool of 10, as
 * ours), grafserv on node:http, no GraphiQL, no watch mode, no explain. It imports nothing of newsgraph
 * (not even bench/lib.ts), so its memory is PostGraphile's own.
 *
 * Smart tags (what a PostGraphile user adds when the generated API lacks a relation or a condition; the
 * database is left as `db:migrate` made it):
 *   - statements: `@foreignKey (speaker_id) references persons (id)`, so a statement has a `speaker`
 *     person. The real key points at the polymorphic `records` table (a speaker may be a person, an
 *     organization or a country), which gives only `recordBySpeakerId { personById { … } }`; the virtual
 *     key answers null for a speaker who is not a person, as our `speaker` does.
 *   - statements.retracted, statements.merged_into and statement_reports.retracted: `+filterBy`, so the
 *     `condition` argument can ask for statements and reports in force. PostGraphile only offers
 *     conditions on indexed columns by default, and these are not indexed (our reader filters them on the
 *     rows an index found, as PostgreSQL does for PostGraphile's query).
 * The source order (first_source_position, first_evidence_start, position) needs nothing: every column
 * of it is in an index, so PostGraphile offers each as an `orderBy` value.
 *
 * PostGraphile v5 declares Node >= 22 and calls Promise.withResolvers, which Node 20 lacks: the first
 * import below adds it (imports are evaluated in order), so both servers run on the same Node.
 */
import './promise-with-resolvers.mjs';
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { jsonPgSmartTags } from 'postgraphile/utils';

const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.error('postgraphile: DATABASE_URL is required');
  process.exit(1);
}
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT ?? 0);

const SmartTags = jsonPgSmartTags({
  version: 1,
  config: {
    class: {
      statements: { tags: { foreignKey: '(speaker_id) references persons (id)|@fieldName speaker|@foreignFieldName spokenStatements' } },
    },
    attribute: {
      'statements.retracted': { tags: { behavior: '+filterBy' } },
      'statements.merged_into': { tags: { behavior: '+filterBy' } },
      'statement_reports.retracted': { tags: { behavior: '+filterBy' } },
    },
  },
});

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [SmartTags],
  pgServices: [makePgService({ connectionString, schemas: ['public'] })],
  grafserv: { host, port, graphqlPath: '/graphql', graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(`postgraphile: ${error.message}`);
  process.exit(1);
});
await serv.addTo(server);
// Build the schema (introspection of the database) before announcing: the first request must not pay for it.
await pgl.getSchema();
server.listen(port, host, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`postgraphile listening on http://${host}:${actual}/graphql\n`);
});

const stop = () => {
  server.close();
  void Promise.resolve(serv.release())
    .then(() => pgl.release())
    .finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
