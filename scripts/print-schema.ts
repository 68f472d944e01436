/**
 * Prints the SDL to schema/schema.graphql and the article file's JSON Schema to
 * schema/article-file.schema.json (or checks both with --check, exiting 1 when either is stale).
 * Usage: tsx scripts/print-schema.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { articleSchemaFilePath, printArticleSchemaFile } from '../src/authoring/article-schema-file.js';
import { printSchemaFile, schemaFilePath } from '../src/schema/print.js';

const outputs = [
  { file: schemaFilePath, printed: printSchemaFile() },
  { file: articleSchemaFilePath, printed: printArticleSchemaFile() },
];
if (process.argv.includes('--check')) {
  let stale = false;
  for (const { file, printed } of outputs) {
    const committed = await readFile(file, 'utf8').catch(() => '');
    if (committed !== printed) {
      console.error(`${file} is stale: run \`npm run schema\` and commit the result.`);
      stale = true;
    } else {
      console.log(`${file} is current.`);
    }
  }
  if (stale) process.exit(1);
} else {
  for (const { file, printed } of outputs) {
    await writeFile(file, printed);
    console.log(`Wrote ${file}.`);
  }
}
