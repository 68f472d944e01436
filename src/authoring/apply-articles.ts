/**
 * Applying article files: the one path the authoring command and the `applyArticle` mutation share, so
 * both take the same lock, check the same rules and answer with the same codes.
 */
import type { KnowledgeBase } from '../kb/knowledge-base.js';
import { CurationError } from '../store/edit-error.js';
import type { KnowledgeStore } from '../store/knowledge-store.js';
import { planArticles, type ArticleInput, type ArticlePlan, type ArticleProblem } from './plan-article.js';

/** Refused article files: coded after the first problem, with every problem and its place in `details.problems`. */
export function articleProblemsError(problems: readonly ArticleProblem[]): CurationError {
  const first = problems[0]!;
  const list = problems.map((problem) => `${problem.file} ${problem.path}: ${problem.message}`);
  return new CurationError(first.code, `Nothing was applied: ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in the article file${list.length === 1 ? '' : 's'}: ${list.join('; ')}`, {
    problems: problems.map(({ file, path, message, code }) => ({ file, path, message, code })),
  });
}

/** What applying `files` to `kb` would change, and every problem, without writing anything. */
export function previewArticles(kb: KnowledgeBase, files: readonly ArticleInput[], curator?: { name: string }): ArticlePlan {
  return planArticles({ records: kb.stored, mergedInto: kb.mergedInto }, files, curator);
}

/**
 * Applies `files` as one durable change, planned against the latest data under the data folder's lock:
 * every file or none. Files already applied change nothing. Rejects with a CurationError listing every
 * problem when any file cannot be applied.
 */
export async function applyArticles(store: KnowledgeStore, files: readonly ArticleInput[], curator: { name: string }): Promise<{ plan: ArticlePlan; kb: KnowledgeBase }> {
  const { result, kb } = await store.change((current) => {
    // The store checks the data's rules over the result; its findings come back as problems of the files.
    const plan = planArticles({ records: current.stored, mergedInto: current.mergedInto }, files, curator, { checkDataRules: false });
    if (plan.problems.length > 0) throw articleProblemsError(plan.problems);
    return {
      records: plan.records,
      changes: plan.changes.map(({ id, kind, change }) => ({ id, kind, change })),
      result: plan,
      refusal: (problems) => articleProblemsError(plan.explain(problems)),
    };
  });
  return { plan: result, kb };
}
