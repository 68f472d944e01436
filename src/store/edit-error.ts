/**
 * Errors of the write path, each with the stable code the API reports in `extensions.code`. They are
 * plain Errors so that the store and the authoring command need nothing from GraphQL; the schema turns
 * them into GraphQL errors.
 */
import type { DataProblem } from '../kb/consistency.js';

export type CurationErrorCode =
  /** The input is not in the expected shape (an article file that breaks its schema). */
  | 'BAD_USER_INPUT'
  /** The record to change does not exist. */
  | 'NOT_FOUND'
  /** A reference (speaker, organization, source, …) names nothing, or a record of the wrong kind. */
  | 'UNKNOWN_REFERENCE'
  /** The quoted words do not occur in the source (or in the span they must lie in). */
  | 'EVIDENCE_NOT_FOUND'
  /** The quoted words occur more than once and nothing said which occurrence is meant. */
  | 'EVIDENCE_AMBIGUOUS'
  /** A new record's id (slug) is already taken. */
  | 'DUPLICATE_ID'
  /** The update names a revision other than the record's current one: someone changed it since it was read. */
  | 'REVISION_CONFLICT'
  /** The change would break another rule of the data (an empty name, a date in the wrong form, a cycle, …). */
  | 'INVALID_RECORD'
  /** The change could not be written (disk full, permissions; on PostgreSQL, another change held the lock, or the database never confirmed a COMMIT): `written` in the details says whether anything changed. */
  | 'STORAGE_FAILED'
  /** The data files on disk were edited into an invalid state; writing now would discard that edit. */
  | 'DATA_FILES_INVALID';

export class CurationError extends Error {
  override name = 'CurationError';
  constructor(
    readonly code: CurationErrorCode,
    message: string,
    /** Extra, machine-readable facts: the problems found, the current revision, … */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const codeByRule: Record<NonNullable<DataProblem['rule']>, CurationErrorCode> = {
  file: 'INVALID_RECORD',
  schema: 'INVALID_RECORD',
  'duplicate-id': 'DUPLICATE_ID',
  'unknown-reference': 'UNKNOWN_REFERENCE',
  'wrong-kind': 'UNKNOWN_REFERENCE',
  evidence: 'EVIDENCE_NOT_FOUND',
  consistency: 'INVALID_RECORD',
};

/** The code a change that breaks a rule of the data is refused with. */
export function codeForRule(rule: DataProblem['rule']): CurationErrorCode {
  return codeByRule[rule ?? 'consistency'];
}

/** The error for a change the data rules refuse: coded after the first problem, listing them all. */
export function curationErrorForProblems(problems: DataProblem[]): CurationError {
  const first = problems[0]!;
  const code = codeByRule[first.rule ?? 'consistency'];
  const list = problems.map((problem) => `${problem.file} ${problem.path}: ${problem.message}`);
  return new CurationError(code, `The change breaks ${problems.length === 1 ? 'a rule' : `${problems.length} rules`} of the data: ${list.join('; ')}`, {
    problems: problems.map(({ file, path, message }) => ({ file, path, message })),
  });
}
