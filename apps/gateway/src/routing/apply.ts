/**
 * A routed alias's plan applied to its resolved targets (edge first, then the pool members that
 * are available now):
 * - `pool`: the pool members, then the edge if they all fail (not for a need only the pool meets or
 *   an explicit override) — with no pool member available at all, the edge serves rather than a 503;
 * - `edge`: edge first, the pool as failover (overloaded, unavailable, refused);
 * - `cascade`: edge first with the gate, then the pool, then the edge again without the gate (the
 *   student answers when an escalation finds every pool member failing); with no pool member to
 *   escalate to, no gate.
 * The caller has checked the `x-distillgate-route` request header (edge | pool | absent).
 */
import type { Endpoint, JsonObject, Target } from '@distillgate/router';
import { countChatPrompt, countCompletionPrompt, loadTokenCounter } from '@distillgate/tokenizers';
import type { RoutingState } from '../completion/context.ts';
import type { GatewayRouter } from './router.ts';

export const ROUTE_REQUEST_HEADER = 'x-distillgate-route';

export interface AppliedPlan {
  targets: Target[];
  routing: RoutingState;
  /** The rule that decided, or null when the policy did (shadow records keep it). */
  rule: string | null;
}

/** Pool choices that must not fall back to the edge: a need the edge cannot meet, an explicit override. */
const MUST_USE_POOL = /^(needs:|key_override|header_override)/;

/** Rule reasons (routing/rules.ts); every other reason is the policy's. */
const RULE_REASONS = /^(key_override|header_override|needs:|max_prompt_tokens|max_completion_tokens)/;

export async function applyPlan(
  router: GatewayRouter,
  input: { alias: string; endpoint: Endpoint; request: JsonObject; keyId: string | null; headerRoute: string | null; targets: Target[] },
): Promise<AppliedPlan> {
  const { headerRoute } = input;
  await loadTokenCounter();
  const promptTokens =
    input.endpoint === 'chat.completions'
      ? countChatPrompt(input.request.messages as Parameters<typeof countChatPrompt>[0])
      : countCompletionPrompt(input.request.prompt as Parameters<typeof countCompletionPrompt>[0]);
  let plan = router.plan(input.alias, { endpoint: input.endpoint, request: input.request, keyId: input.keyId, headerRoute, promptTokens });
  const edge = input.targets.filter((t) => t.kind === 'edge');
  const pool = input.targets.filter((t) => t.kind === 'pool');
  let targets = input.targets;
  if (plan.choice === 'pool' && pool.length > 0) {
    // the policy's (or a size rule's) choice falls back to the edge when the pool fails; a need only
    // the pool meets, or a caller who asked for the pool, does not
    targets = MUST_USE_POOL.test(plan.reason) ? pool : [...pool, ...edge];
  } else if (plan.choice === 'pool') plan = { ...plan, choice: 'edge', reason: `${plan.reason}:pool_unavailable` };
  if (plan.choice === 'cascade' && pool.length === 0) {
    const { gate: _gate, ...rest } = plan;
    plan = { ...rest, choice: 'edge', reason: 'cascade:pool_unavailable' };
  } else if (plan.choice === 'cascade') {
    // after an escalation the pool answers; if every pool member fails, the student answers ungated
    targets = [...input.targets, ...edge];
  }
  const rule = RULE_REASONS.test(plan.reason) ? plan.reason : null;
  return { targets, routing: { alias: input.alias, plan, confidence: plan.score ?? null, escalated: false }, rule };
}
