/**
 * A routed alias's plan applied to its resolved targets (edge first, then the pool members that
 * are available now):
 * - `pool`: the pool members only — unless none is available, then the edge serves rather than a 503;
 * - `edge`: edge first, the pool as failover (overloaded, unavailable, refused);
 * - `cascade`: edge first with the gate; with no pool member to escalate to, no gate.
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
  const pool = input.targets.filter((t) => t.kind === 'pool');
  let targets = input.targets;
  if (plan.choice === 'pool' && pool.length > 0) targets = pool;
  else if (plan.choice === 'pool') plan = { ...plan, choice: 'edge', reason: `${plan.reason}:pool_unavailable` };
  if (plan.choice === 'cascade' && pool.length === 0) {
    const { gate: _gate, ...rest } = plan;
    plan = { ...rest, choice: 'edge', reason: 'cascade:pool_unavailable' };
  }
  const rule = RULE_REASONS.test(plan.reason) ? plan.reason : null;
  return { targets, routing: { alias: input.alias, plan, confidence: plan.score ?? null, escalated: false }, rule };
}
