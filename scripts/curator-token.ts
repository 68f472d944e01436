/**
 * Makes a curator token. Prints the token once (give it to the curator; it is not stored anywhere)
 * and the entry for the server's NEWSGRAPH_CURATOR_TOKENS, which holds only its SHA-256.
 *
 * Usage: npm run token -- <curator-name>
 */
import { generateToken } from '../src/plugins/auth.js';

const name = process.argv[2];
if (!name || !/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
  console.error('Usage: npm run token -- <curator-name>   (letters, digits, . _ @ -; at most 64 characters)');
  process.exit(2);
}
const { token, entry } = generateToken(name);
console.log(`Token for ${name} (shown once; send it as "Authorization: Bearer <token>"):\n\n  ${token}\n`);
console.log(`Add this entry to NEWSGRAPH_CURATOR_TOKENS (comma-separated with any others):\n\n  ${entry.name}:${entry.sha256}\n`);
