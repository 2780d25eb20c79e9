/**
 * Turns the first zod issue of a failed request parse into a 400 {@link GatewayError} with an
 * OpenAI-style `param` path (`messages[0].content[1].type`). Internal to this package.
 */
import type { z } from 'zod';
import { errors, type GatewayError } from './errors.ts';

type Issue = z.core.$ZodIssue;

/** Fields whose errors name the field itself, not an entry inside it (OpenAI reports `stop`). */
const REPORTED_WHOLE: ReadonlySet<PropertyKey> = new Set(['stop']);
type Path = readonly PropertyKey[];

/** `['messages', 0, 'content']` → `messages[0].content`. */
export function formatParam(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The value at `path` inside `root`, or undefined where the path leaves the data. */
function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Of a union's failed branches, the one the client most likely meant: the issue that got deepest
 * into the value; at equal depth one whose type matched (e.g. `stop` with 5 entries reports "at
 * most 4 items", not "expected string"); then the branch with the fewest issues.
 */
function pickUnionBranch(branches: readonly (readonly Issue[])[]): Issue | undefined {
  let best: Issue | undefined;
  let bestScore = -1;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const branch of branches) {
    const first = branch[0];
    if (first === undefined) continue;
    const score = first.path.length * 2 + (first.code === 'invalid_type' ? 0 : 1);
    if (score > bestScore || (score === bestScore && branch.length < bestCount)) {
      [best, bestScore, bestCount] = [first, score, branch.length];
    }
  }
  return best;
}

/** Follows nested unions down to one leaf issue, with its path made absolute. */
function leafIssue(issue: Issue, prefix: Path): { issue: Issue; path: Path } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  const branch = pickUnionBranch(issue.errors);
  const allTypeMismatches = issue.errors.every((b) => b.length > 0 && b.every((i) => i.code === 'invalid_type' && i.path.length === 0));
  if (branch === undefined || allTypeMismatches) return { issue, path };
  return leafIssue(branch, path);
}

function unionTypes(issue: Issue): string {
  if (issue.code !== 'invalid_union') return '';
  const expected = issue.errors.flatMap((b) => b.map((i) => (i.code === 'invalid_type' ? i.expected : '')));
  return [...new Set(expected.filter((e) => e !== ''))].join(' or ');
}

function explain(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'integer' : issue.expected}, got ${describe(value)}`;
    case 'invalid_union':
      if (issue.errors.length === 0 && 'options' in issue && Array.isArray(issue.options)) {
        return `expected one of ${issue.options.map((o) => `'${String(o)}'`).join(', ')}, got ${describe(value)}`;
      }
      return `expected ${unionTypes(issue) || 'a different value'}, got ${describe(value)}`;
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${max} items`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'int' && issue.maximum === Number.MAX_SAFE_INTEGER) return 'must be a safe integer';
      return `must be ${issue.inclusive ? '<=' : '<'} ${max}, got ${describe(value)}`;
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'array') return `must have at least ${min} item${min === '1' ? '' : 's'}`;
      if (issue.origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'int' && issue.minimum === Number.MIN_SAFE_INTEGER) return 'must be a safe integer';
      return `must be ${issue.inclusive ? '>=' : '>'} ${min}, got ${describe(value)}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`;
    default:
      return issue.message;
  }
}

/**
 * The 400 for the first issue: `missing_required_parameter` where the value at the issue's path is
 * absent (undefined), `invalid_value` otherwise.
 * @param body the raw request body the issues refer to
 */
export function issueToError(first: Issue, body: unknown): GatewayError {
  const { issue, path } = leafIssue(first, []);
  const value = valueAt(body, path);
  const head = path[0];
  const whole = head !== undefined && path.length > 1 && REPORTED_WHOLE.has(head);
  const param = formatParam(whole ? [head] : path);
  if (value === undefined) return errors.missingParameter(param);
  const where = whole ? `${formatParam(path)}: ` : '';
  return errors.invalidValue(param, `Invalid value for '${param}': ${where}${explain(issue, value)}.`);
}
