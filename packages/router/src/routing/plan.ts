/**
 * The routing decision for one request on a routed alias (policy `rules`, `cascade` or `learned`),
 * made in the gateway before any upstream call:
 *
 * - rules first (rules.ts): a rule that fires decides;
 * - `rules`: otherwise the edge;
 * - `learned`: the learned router's predicted quality ≥ threshold → the edge, else the pool;
 * - `cascade`: the edge with a gate: the student drafts K tokens, the gate compares their
 *   confidence score (confidence.ts) with the threshold and escalates to the pool below it.
 *
 * "edge" always means: the edge first, the pool as failover when the edge cannot serve (overloaded,
 * unavailable, refused). The threshold used is the alias's calibrated one when calibration has run,
 * else the configured one (the caller passes whichever is active).
 */
import type { ConfidenceSignal } from './confidence.ts';
import { type LearnedRouterModel, predictQuality } from './learned.ts';
import type { PromptFeatureInput } from './prompt-features.ts';
import { applyRules, type RouteFacts, type RouteRules } from './rules.ts';

export const ROUTING_POLICIES = ['rules', 'cascade', 'learned'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

/** The cascade gate the edge attempt applies. */
export interface CascadeGate {
  /** K: tokens drafted before the decision (fewer when the draft ends sooner). */
  probeTokens: number;
  signal: ConfidenceSignal;
  /** Serve on the edge when score ≥ threshold; `Infinity` escalates every draft. */
  threshold: number;
}

export interface RoutePlan {
  policy: RoutingPolicy;
  /** `edge`: edge first, pool as failover; `pool`: pool only; `cascade`: edge with `gate`. */
  choice: 'edge' | 'pool' | 'cascade';
  /** Why: a rule's reason, `policy`, `learned_above_threshold`, `learned_below_threshold`, `cascade`. */
  reason: string;
  /** The learned router's predicted quality (policy `learned`, when no rule fired). */
  score?: number;
  gate?: CascadeGate;
}

export interface PlanInput {
  policy: RoutingPolicy;
  rules: RouteRules;
  facts: RouteFacts;
  /** Policy `cascade`: the gate, with the active threshold. */
  cascade: Omit<CascadeGate, 'threshold'>;
  /** Active threshold of the policy (cascade: in the signal's units; learned: predicted quality). */
  threshold: number;
  /** Policy `learned`: the model and what it reads. */
  learned?: { model: LearnedRouterModel; features: PromptFeatureInput };
}

/** @throws RangeError for policy `learned` without a model (the config schema prevents it) */
export function planRoute(input: PlanInput): RoutePlan {
  const { policy } = input;
  const ruled = applyRules(input.rules, input.facts);
  if (ruled) return { policy, choice: ruled.route, reason: ruled.reason };
  switch (policy) {
    case 'rules':
      return { policy, choice: 'edge', reason: 'policy' };
    case 'learned': {
      if (!input.learned) throw new RangeError('policy "learned" needs a trained model');
      const score = predictQuality(input.learned.model, input.learned.features);
      const edge = score >= input.threshold;
      return { policy, choice: edge ? 'edge' : 'pool', reason: edge ? 'learned_above_threshold' : 'learned_below_threshold', score };
    }
    case 'cascade':
      return { policy, choice: 'cascade', reason: 'cascade', gate: { ...input.cascade, threshold: input.threshold } };
  }
}
