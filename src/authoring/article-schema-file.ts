import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { articleFileJsonSchema, articleFileSchemaPath } from './draft-file.js';

/** Where the article file's JSON Schema is committed, for editors (`"$schema"` in a draft points at it). */
export const articleSchemaFilePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', articleFileSchemaPath);

/** The committed JSON Schema of the article file: generated from the zod schemas, so it cannot drift from what apply accepts. */
export function printArticleSchemaFile(): string {
  return `${JSON.stringify(articleFileJsonSchema(), null, 2)}\n`;
}
