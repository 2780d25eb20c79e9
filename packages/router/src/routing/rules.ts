/**
 * Hard routing rules, checked before any policy score (issue 8 §1 "rules"). A rule that fires
 * decides the route; when none fires the policy decides (`rules`: the edge).
 *
 * Order (first match wins): the key's override, the request header's override
 * (`x-distillgate-route: edge|pool`, when allowed), needs the student cannot meet (what the edge
 * would refuse: tools, n > 1, a context it does not have…), then the size limits.
 */

export type ForcedRoute = 'edge' | 'pool';

/** Config `routing.aliases.<alias>.rules`. */
export interface RouteRules {
  /** Prompts longer than this (tiktoken estimate, tokens) go to the pool. */
  maxPromptTokens?: number;
  /** Requests asking for more completion tokens than this go to the pool. */
  maxCompletionTokens?: number;
  /** API key id → forced route. */
  keys: Record<string, ForcedRoute>;
  /** Whether the `x-distillgate-route` request header may force a route. */
  headerOverride: boolean;
}

/** What the rules read about one request. */
export interface RouteFacts {
  /** Prompt tokens, tiktoken estimate. */
  promptTokens: number;
  /** The request's max_tokens (absent when the client set none). */
  maxTokens?: number;
  /** The authenticated key, or null. */
  keyId: string | null;
  /** The `x-distillgate-route` request header, as sent (null when absent). */
  headerRoute: string | null;
  /** The parameter the student cannot serve (edge refusal), or null when it can. */
  edgeRefusal: { param: string | null; message: string } | null;
}

export interface RuleDecision {
  route: ForcedRoute;
  /** Machine-readable: `key_override`, `header_override`, `needs:<param>`, `max_prompt_tokens`, `max_completion_tokens`. */
  reason: string;
}

/** Header values a client may send; anything else is a 400 (invalid_value, param `x-distillgate-route`). */
export const ROUTE_HEADER_VALUES: readonly ForcedRoute[] = ['edge', 'pool'];

/** @returns the forced route, or null when no rule fires */
export function applyRules(rules: RouteRules, facts: RouteFacts): RuleDecision | null {
  const keyRoute = facts.keyId === null ? undefined : rules.keys[facts.keyId];
  if (keyRoute) return { route: keyRoute, reason: 'key_override' };
  if (rules.headerOverride && facts.headerRoute !== null && (ROUTE_HEADER_VALUES as string[]).includes(facts.headerRoute)) {
    return { route: facts.headerRoute as ForcedRoute, reason: 'header_override' };
  }
  if (facts.edgeRefusal) return { route: 'pool', reason: `needs:${facts.edgeRefusal.param ?? 'unsupported'}` };
  if (rules.maxPromptTokens !== undefined && facts.promptTokens > rules.maxPromptTokens)
    return { route: 'pool', reason: 'max_prompt_tokens' };
  if (rules.maxCompletionTokens !== undefined && facts.maxTokens !== undefined && facts.maxTokens > rules.maxCompletionTokens) {
    return { route: 'pool', reason: 'max_completion_tokens' };
  }
  return null;
}
