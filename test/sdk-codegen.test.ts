import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { codegenConfig, generatedHeader } from '../codegen.js';
import { projectRoot } from './helpers.js';

const committedDir = path.join(projectRoot, 'packages/client/src/generated');

describe('the generated SDK', () => {
  it('matches a fresh `npm run codegen` byte for byte (run it after changing the schema or packages/client/operations)', async () => {
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
        expect(committed.toString('utf8'), `packages/client/src/generated/${file} is stale: run \`npm run codegen\``).toBe(regenerated.toString('utf8'));
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

describe('the built package', () => {
  const packageDir = path.join(projectRoot, 'packages/client');

  /** Every file under `dir`, as paths relative to it. */
  async function filesUnder(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
  }

  it('matches a fresh build of its sources (run `npm run build:client` after changing packages/client/src)', async () => {
    const freshDir = await mkdtemp(path.join(tmpdir(), 'newsgraph-client-build-'));
    try {
      const tsc = path.join(projectRoot, 'node_modules/typescript/bin/tsc');
      await promisify(execFile)(process.execPath, [tsc, '-p', path.join(packageDir, 'tsconfig.build.json'), '--outDir', freshDir]);
      const built = path.join(packageDir, 'dist');
      // Source maps name their sources relative to where they were written, so only the code and the types are compared.
      const compared = (files: string[]) => files.filter((file) => file.endsWith('.js') || file.endsWith('.d.ts'));
      const fresh = compared(await filesUnder(freshDir));
      expect(compared(await filesUnder(built))).toEqual(fresh);
      for (const file of fresh) {
        expect(await readFile(path.join(built, file), 'utf8'), `packages/client/dist/${file} is stale: run \`npm run build:client\``).toBe(
          await readFile(path.join(freshDir, file), 'utf8'),
        );
        expect((await filesUnder(built)).includes(`${file}.map`), `${file} has a source map`).toBe(true);
      }
      expect(await readFile(path.join(built, 'generated/persisted-documents.json'), 'utf8')).toBe(await readFile(path.join(committedDir, 'persisted-documents.json'), 'utf8'));
    } finally {
      await rm(freshDir, { recursive: true, force: true });
    }
  });
});
