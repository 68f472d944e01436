/**
 * The PostgreSQL store's commands, on the database of DATABASE_URL:
 *
 *   npm run db:migrate                 applies the migrations of migrations/ it lacks
 *   npm run db:import [-- <dir>]       replaces its knowledge base with a data folder (default: data/), validated first
 *   npm run db:export -- <dir>         writes its knowledge base as the six data files into <dir>
 *
 * Exit codes: 0 done; 1 refused or failed (a coded one-line error on stderr, or the data's problems
 * listed as `npm run validate` lists them); 2 wrong usage.
 */
import { DataValidationError } from '../src/kb/load.js';
import { connect } from '../src/store/postgres/connection.js';
import { PostgresStoreError } from '../src/store/postgres/errors.js';
import { exportKnowledgeBase } from '../src/store/postgres/export.js';
import { importKnowledgeBase } from '../src/store/postgres/import.js';
import { migrate } from '../src/store/postgres/migrate.js';

const usage = 'usage: tsx scripts/db.ts migrate | import [data-dir] | export <data-dir>   (the database is DATABASE_URL)';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

async function main(command: string | undefined, args: string[]): Promise<number> {
  if (command !== 'migrate' && command !== 'import' && command !== 'export') {
    console.error(usage);
    return 2;
  }
  if (command === 'export' && args.length !== 1) {
    console.error(`db:export needs the folder to write: npm run db:export -- <dir>\n${usage}`);
    return 2;
  }
  const { client, where } = await connect(process.env.DATABASE_URL);
  try {
    if (command === 'migrate') {
      const { applied, alreadyApplied } = await migrate(client, where);
      if (applied.length === 0) console.log(`${where} is up to date (${plural(alreadyApplied.length, 'migration')} applied earlier).`);
      else console.log(`Applied ${applied.join(', ')} to ${where}${alreadyApplied.length > 0 ? ` (${alreadyApplied.length} applied earlier)` : ''}.`);
    } else if (command === 'import') {
      const result = await importKnowledgeBase(client, where, args[0] ?? 'data');
      const { rows } = result;
      console.log(
        `Imported ${result.dataDir} (version ${result.version}) into ${where} in ${seconds(result.timings.validate + result.timings.write)} ` +
          `(validation ${seconds(result.timings.validate)}, writing ${seconds(result.timings.write)}):\n` +
          `  ${rows.sources} sources, ${rows.persons} persons, ${rows.countries} countries, ${rows.organizations} organizations, ${rows.events} events, ${rows.statements} statements;\n` +
          `  links: ${rows.statement_reports} reports, ${rows.statement_mentions} mentions, ${rows.statement_events} statement-event links, ` +
          `${rows.statement_audience} audience entities, ${rows.statement_speaker_groups} speaker-group members, ${rows.role_holdings} roles, ` +
          `${rows.memberships} memberships, ${rows.event_participants} participations, ${rows.event_locations} locations.`,
      );
      if (result.relaidFiles.length > 0) {
        console.warn(`Note: ${result.relaidFiles.join(', ')} ${result.relaidFiles.length === 1 ? 'is' : 'are'} not laid out as the store writes files; db:export will write the same records in the store's layout.`);
      }
    } else {
      const result = await exportKnowledgeBase(client, where, args[0]!);
      const counts = Object.entries(result.counts).map(([collection, count]) => `${count} ${collection}`).join(', ');
      console.log(`Exported ${where} (version ${result.version}) to ${result.dataDir} in ${seconds(result.timings.read + result.timings.write)}: ${counts}.`);
      if (result.version !== result.importedVersion) console.warn(`Note: the files differ in layout from those imported (version ${result.importedVersion}); the records are the same.`);
    }
    return 0;
  } finally {
    await client.end().catch(() => {});
  }
}

const [command, ...args] = process.argv.slice(2);
try {
  process.exitCode = await main(command, args);
} catch (error) {
  if (error instanceof DataValidationError) {
    console.error(error.message);
  } else if (error instanceof PostgresStoreError) {
    console.error(`db:${command}: ${error.code}: ${error.message}`);
  } else {
    // Not one of ours: a bug, whose stack is what someone fixing it needs.
    console.error(`db:${command}: unexpected error:`, error);
  }
  process.exitCode = 1;
}
