import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { codegenConfig, generatedHeader } from '../codegen.js';
import { projectRoot } from './helpers.js';

const committedDir = path.join(projectRoot, 'client/generated');

describe('the generated SDK', () => {
  it('matches a fresh `npm run codegen` byte for byte (run it after changing the schema or client/operations)', async () => {
    const freshDir = await mkdtemp(path.join(tmpdir(), 'newsgraph-codegen-'));
    try {
      // The same config, written elsewhere; generating also validates every operation against the schema.
      await generate({ ...codegenConfig(`${freshDir}/`), cwd: projectRoot, silent: true }, true);
      const fresh = (await readdir(freshDir)).sort();
      expect((await readdir(committedDir)).sort()).toEqual(fresh);
      for (const file of fresh) {
        const committed = await readFile(path.join(committedDir, file));
        const regenerated = await readFile(path.join(freshDir, file));
        // Compared as text for a readable diff; equal text of valid UTF-8 is equal bytes.
        expect(committed.toString('utf8'), `client/generated/${file} is stale: run \`npm run codegen\``).toBe(regenerated.toString('utf8'));
        expect(committed.equals(regenerated)).toBe(true);
      }
    } finally {
      await rm(freshDir, { recursive: true, force: true });
    }
  });

  it('starts every generated TypeScript file with the line that says how it was made', async () => {
    const files = (await readdir(committedDir)).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect((await readFile(path.join(committedDir, file), 'utf8')).startsWith(generatedHeader)).toBe(true);
  });
});
