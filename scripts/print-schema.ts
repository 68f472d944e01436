/**
 * Prints the SDL to schema/schema.graphql (or checks it with --check, exiting 1 when it is stale).
 * Usage: tsx scripts/print-schema.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { printSchemaFile, schemaFilePath } from '../src/schema/print.js';

const printed = printSchemaFile();
if (process.argv.includes('--check')) {
  const committed = await readFile(schemaFilePath, 'utf8').catch(() => '');
  if (committed !== printed) {
    console.error(`${schemaFilePath} is stale: run \`npm run schema\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${schemaFilePath} is current.`);
} else {
  await writeFile(schemaFilePath, printed);
  console.log(`Wrote ${schemaFilePath}.`);
}
