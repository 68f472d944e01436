/** The shipped server runs graphql-js in production mode unless NODE_ENV says otherwise (src/node-env.ts). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './helpers.js';

/** Loads src/node-env.ts and then graphql in a fresh process, as src/index.ts does, and reports what graphql chose. */
function graphqlModeWith(env: Record<string, string | undefined>): string {
  const script = [
    "await import('./src/node-env.ts');",
    "const { instanceOf } = await import('graphql/jsutils/instanceOf.js');",
    // The development build's instanceOf explains a cross-realm mistake in its error message.
    "console.log(process.env.NODE_ENV + ' ' + (String(instanceOf).includes('another module or realm') ? 'development' : 'production'));",
  ].join('\n');
  const childEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, env: childEnv, encoding: 'utf8' }).trim();
}

describe('NODE_ENV', () => {
  it('is set before anything else is imported by the entry point', () => {
    const source = readFileSync(path.join(projectRoot, 'src/index.ts'), 'utf8');
    const imports = [...source.matchAll(/^import\s.*?['"]([^'"]+)['"];?$/gm)].map((m) => m[1]);
    expect(imports[0]).toBe('./node-env.js');
  });

  it('defaults to production, which puts graphql-js in production mode', () => {
    expect(graphqlModeWith({ NODE_ENV: undefined })).toBe('production production');
    expect(graphqlModeWith({ NODE_ENV: '' })).toBe('production production');
  });

  it('keeps a value the environment sets', () => {
    expect(graphqlModeWith({ NODE_ENV: 'development' })).toBe('development development');
  });
});
