/**
 * Validates the knowledge base without starting the server: every file against its schema, every
 * reference and every evidence span. Exits 1 with the list of problems (file, JSON path, message).
 * Usage: tsx scripts/validate-data.ts [data-dir]   (default: $DATA_DIR or ./data)
 */
import { DataValidationError, loadKnowledgeBase } from '../src/kb/load.js';

const dataDir = process.argv[2] ?? process.env.DATA_DIR ?? 'data';
try {
  const kb = await loadKnowledgeBase(dataDir);
  const counts = Object.entries(kb.counts).map(([kind, count]) => `${count} ${kind}`).join(', ');
  console.log(`${kb.info.dataDir} is valid (version ${kb.info.version}): ${counts}.`);
} catch (error) {
  if (!(error instanceof DataValidationError)) throw error;
  console.error(error.message);
  process.exit(1);
}
