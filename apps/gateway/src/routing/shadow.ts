/**
 * Shadow traffic (issue 8 §2): a sampled request on a routed alias is answered again after its
 * response — the student and the teacher both, at T = 0 (routing/pair-models.ts), the student's
 * answer judged against the teacher's — and the measurement is stored in `shadow_records` with
 * its sampling rate, for threshold calibration and canary decisions.
 *
 * Lowest priority: it starts only after the request's own usage row was written (a stream has
 * ended by then), runs one at a time per process, and is dropped — recorded as `dropped`, so the
 * count is known — when another shadow run is in flight, the edge model is busy (a new generation
 * would queue) or no pool member is available. Its cost (student
 * draft + teacher answer + scoring, at list prices) is internal: added to the request's
 * `internal_cost_micro_usd` and the record. A failed run is recorded as `failed`; nothing here
 * changes what the client got.
 */
import { addInternalCost, recordShadow } from '@distillgate/db';
import { costMicroUsd } from '@distillgate/metering';
import {
  DEFAULT_HASH_BUCKETS,
  type Endpoint,
  type JsonObject,
  measurePair,
  type PoolTarget,
  predictQuality,
  promptFeatures,
  type Target,
} from '@distillgate/router';
import type { GatewayDeps } from '../env.ts';
import type { RequestMeter } from '../metering/meter.ts';
import { gatewayPairModels } from './pair-models.ts';
import { learnedFeatures } from './prompt-text.ts';
import type { GatewayRouter } from './router.ts';

export interface ShadowInput {
  deps: GatewayDeps & { router: GatewayRouter; metering: NonNullable<GatewayDeps['metering']> };
  alias: string;
  /** The share it was sampled at, (0, 1]. */
  sampleRate: number;
  endpoint: Endpoint;
  request: JsonObject;
  requestId: string;
  /** The alias's targets as resolved for the request (edge first). */
  targets: readonly Target[];
  /** Where the request was served (`x-distillgate-route`). */
  servedRoute: 'edge' | 'pool' | 'escalated';
  /** The rule that decided the route, or null when the policy did. */
  rule: string | null;
  meter: RequestMeter;
}

/** Runs one shadow measurement; never throws (failures are recorded and logged). */
export async function runShadow(input: ShadowInput): Promise<void> {
  const { deps, alias, requestId } = input;
  const { db } = deps.metering;
  const settings = deps.router.settings(alias);
  const base = {
    requestId,
    alias,
    policy: deps.router.policyOf(alias) ?? 'rules',
    sampleRate: input.sampleRate,
    servedRoute: input.servedRoute,
    rule: input.rule,
  };
  let release: (() => void) | null = null;
  try {
    await input.meter.recorded;
    const edgeTarget = input.targets.find((t) => t.kind === 'edge');
    const teacher = input.targets.find((t): t is PoolTarget => t.kind === 'pool' && t.state.available());
    const edge = deps.edge;
    release = deps.router.acquireShadowSlot();
    const dropped = !release
      ? 'another shadow run in flight'
      : !edgeTarget || !edge
        ? 'no edge model'
        : edge.busy(edgeTarget.model)
          ? 'edge busy'
          : !teacher
            ? 'no pool member available'
            : null;
    if (dropped || !edgeTarget || !edge || !teacher) {
      await recordShadow(db, { ...base, status: 'dropped', detail: dropped });
      return;
    }
    let studentVersion: string | null = null;
    const models = gatewayPairModels({
      edge,
      studentModel: edgeTarget.model,
      teacher,
      endpoint: input.endpoint,
      request: input.request,
      requestId,
      signal: new AbortController().signal,
      onStudentVersion: (v) => {
        studentVersion = v;
      },
    });
    const m = await measurePair(models, {
      maxTokens: settings.shadow.maxTokens,
      probeTokens: settings.cascade.probeTokens,
      signal: settings.cascade.signal,
    });
    const prompt = m.student.promptIds.length;
    const prices = input.meter;
    const cost =
      costMicroUsd({ prompt_tokens: prompt, completion_tokens: m.student.ids.length }, prices.price(edgeTarget.model)) +
      costMicroUsd({ prompt_tokens: prompt, completion_tokens: m.teacher.ids.length }, prices.price(teacher.model)) +
      costMicroUsd({ prompt_tokens: prompt + m.student.ids.length, completion_tokens: 1 }, prices.price(teacher.model));
    const model = settings.learned.model;
    const features = learnedFeatures(input.endpoint, input.request);
    await recordShadow(db, {
      ...base,
      status: 'recorded',
      studentModel: edgeTarget.model,
      studentVersion,
      teacherModel: teacher.model,
      cascadeScore: m.cascadeScore,
      learnedScore: model ? predictQuality(model, features) : null,
      promptFeatures: promptFeatures(features, DEFAULT_HASH_BUCKETS),
      qualityQ: m.quality.q,
      qualityRougeL: m.quality.rougeL,
      qualityAgreement: m.quality.agreement,
      studentTokens: m.student.ids.length,
      teacherTokens: m.teacher.ids.length,
      internalCostMicroUsd: cost,
    });
    if (cost > 0 && !(await addCostWhenRowExists(db, requestId, cost))) {
      deps.logger.warn('shadow cost not added: no usage row', { request_id: requestId });
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    deps.logger.warn('shadow run failed', { request_id: requestId, alias, error: detail });
    await recordShadow(db, { ...base, status: 'failed', detail: detail.slice(0, 500) }).catch(() => {});
  } finally {
    release?.();
  }
}

/**
 * Waits before each retry of the shadow cost's UPDATE while the request's row is not there yet (a
 * Queue sink writes it when its batch is consumed: up to its 5 s batch timeout plus retries). @unit ms
 */
const ROW_WAIT_MS = [250, 1000, 2000, 5000, 10_000];

/** Adds the shadow run's cost to the request's usage row, waiting for the row to exist. */
async function addCostWhenRowExists(db: Parameters<typeof addInternalCost>[0], requestId: string, microUsd: number): Promise<boolean> {
  for (const waitMs of [0, ...ROW_WAIT_MS]) {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (await addInternalCost(db, requestId, microUsd)) return true;
  }
  return false;
}
