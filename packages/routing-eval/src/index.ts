/**
 * @distillgate/routing-eval — the routing evaluation (`npm run eval:routing`): cost–quality curves
 * of the routing policies on held-out prompts (README.md).
 */
export { type Analysis, analyze, REPORT_SHARES } from './analyze.ts';
export { DEFAULT_PRICES, type Prices, routeCosts } from './costs.ts';
export { computeCurves, type PolicyCurves } from './curves.ts';
export { buildHeldOutPrompts, type RoutingPrompt } from './prompts.ts';
export type { PairRecord } from './record.ts';
export { type RunOptions, runRoutingEval } from './run.ts';
