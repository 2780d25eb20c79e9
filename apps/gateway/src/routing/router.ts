/**
 * The gateway's router for routed aliases (`models.<alias>.policy` rules | cascade | learned):
 * the routing plan of each request (packages/router `routing/plan.ts`), the shadow sample, and the
 * alias's active threshold — the configured one until calibration from shadow records replaces it.
 *
 * Calibration runs in the background, lazily: a request on an alias whose last calibration is
 * older than `calibration.everyMs` starts one (the same on Node and Workers, where no timer outlives
 * a request). It needs `calibration.minRecords` measured shadow records; each result is stored in
 * `routing_calibrations` and becomes the alias's threshold in this process (isolate). The same
 * cycle judges a canary of the alias's edge model from the same records (Node: channels.json).
 */
import { type Config, ROUTED_POLICIES, type RoutingAliasConfig, routingAliasSchema } from '@distillgate/config';
import { type Database, latestCalibration, listShadowRecords, type ShadowRecord, saveCalibration, shadowCounts } from '@distillgate/db';
import { InvalidGenerationRequestError } from '@distillgate/edge-model/errors';
import {
  type Calibration,
  type CanaryVerdict,
  calibrateThreshold,
  canaryVerdict,
  type Endpoint,
  type JsonObject,
  type Logger,
  planRoute,
  type QualityMeasure,
  type RouteFacts,
  type RoutePlan,
  type RoutingPolicy,
} from '@distillgate/router';
import type { EdgeProvider } from '../edge/provider.ts';
import { toEdgeRequest } from '../edge/request.ts';
import { learnedFeatures } from './prompt-text.ts';

/** The active threshold of an alias and where it came from. */
export interface ActiveThreshold {
  threshold: number;
  source: 'config' | 'calibration';
  /** The calibration it came from (source `calibration`). */
  calibration?: Calibration & { atMs: number };
}

export interface PlanRequest {
  endpoint: Endpoint;
  /** The validated body. */
  request: JsonObject;
  keyId: string | null;
  /** The `x-distillgate-route` request header, or null. */
  headerRoute: string | null;
  /** tiktoken estimate of the prompt (admission's). */
  promptTokens: number;
}

export class GatewayRouter {
  private readonly active = new Map<string, ActiveThreshold>();
  private readonly lastCalibrationMs = new Map<string, number>();
  private readonly calibrating = new Set<string>();
  /** The last canary check per alias (admin view). */
  private readonly canaryChecks = new Map<string, CanaryVerdict & { model: string; live: string; canary: string; checkedAtMs: number }>();

  /**
   * @param random uniform [0, 1) draws for the shadow sample (tests pass their own)
   */
  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  /** The policy of `model` when it is a routed alias, else undefined. */
  policyOf(model: string): RoutingPolicy | undefined {
    const policy = this.config.models[model]?.policy;
    return policy && (ROUTED_POLICIES as readonly string[]).includes(policy) ? (policy as RoutingPolicy) : undefined;
  }

  /** Every routed alias. */
  aliases(): string[] {
    return Object.keys(this.config.models).filter((alias) => this.policyOf(alias) !== undefined);
  }

  /** The alias's settings (config `routing.aliases.<alias>`, defaults when absent). */
  settings(alias: string): RoutingAliasConfig {
    return this.config.routing.aliases[alias] ?? routingAliasSchema.parse({});
  }

  threshold(alias: string): ActiveThreshold {
    const active = this.active.get(alias);
    if (active) return active;
    const policy = this.policyOf(alias);
    const settings = this.settings(alias);
    return { threshold: policy === 'learned' ? settings.learned.threshold : settings.cascade.threshold, source: 'config' };
  }

  /** @throws RangeError when `alias` is not routed */
  plan(alias: string, input: PlanRequest): RoutePlan {
    const policy = this.policyOf(alias);
    if (!policy) throw new RangeError(`"${alias}" is not a routed alias`);
    const settings = this.settings(alias);
    const facts: RouteFacts = {
      promptTokens: input.promptTokens,
      keyId: input.keyId,
      headerRoute: input.headerRoute,
      edgeRefusal: edgeRefusal(input.endpoint, input.request),
    };
    if (typeof input.request.max_tokens === 'number') facts.maxTokens = input.request.max_tokens;
    const model = settings.learned.model;
    return planRoute({
      policy,
      rules: settings.rules,
      facts,
      cascade: { probeTokens: settings.cascade.probeTokens, signal: settings.cascade.signal },
      threshold: this.threshold(alias).threshold,
      ...(model ? { learned: { model, features: learnedFeatures(input.endpoint, input.request) } } : {}),
    });
  }

  /** Whether this request is shadowed (a uniform draw against `shadow.share`): the rate, or null. */
  sampleShadow(alias: string): number | null {
    const share = this.settings(alias).shadow.share;
    return share > 0 && this.random() < share ? share : null;
  }

  private shadowInFlight = false;

  /**
   * Takes the process's one shadow slot: shadow runs go one at a time, so a burst of sampled
   * requests never fills the edge's decoding slots ahead of real traffic.
   * @returns the release function, or null when a shadow run is in flight (this one is dropped)
   */
  acquireShadowSlot(): (() => void) | null {
    if (this.shadowInFlight) return null;
    this.shadowInFlight = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.shadowInFlight = false;
    };
  }

  /**
   * Starts the alias's periodic work in the background when due (every `calibration.everyMs`):
   * threshold calibration, then the canary check of its edge model.
   * @param background keeps the task alive after the response (Workers: waitUntil)
   */
  maybeCalibrate(alias: string, parts: { db: Database; edge?: EdgeProvider; background: (task: Promise<unknown>) => void }): void {
    const settings = this.settings(alias);
    if (this.calibrating.has(alias)) return;
    const last = this.lastCalibrationMs.get(alias);
    if (last !== undefined && Date.now() - last < settings.calibration.everyMs) return;
    this.lastCalibrationMs.set(alias, Date.now());
    const work = async () => {
      if (settings.calibration.enabled) await this.calibrate(alias, parts.db);
      if (settings.canary.enabled && parts.edge) await this.checkCanary(alias, parts.db, parts.edge);
    };
    parts.background(work().catch((err: unknown) => this.logger.error('routing calibration failed', { alias, error: String(err) })));
  }

  /**
   * Promotes or rolls back the canary of the alias's edge model from the shadow records of its live
   * and canary versions (packages/router `routing/canary.ts`), where the edge provider can change
   * channels (Node).
   * @returns the verdict, or null when there is no canary to judge
   */
  async checkCanary(alias: string, db: Database, edge: EdgeProvider): Promise<CanaryVerdict | null> {
    const target = this.config.models[alias]?.targets[0];
    const model = target && 'edge' in target ? target.edge : undefined;
    const channels = model ? edge.channels?.(model) : null;
    if (!model || !channels?.canary || !edge.settleCanary) return null;
    const { calibration, canary } = this.settings(alias);
    const rows = await listShadowRecords(db, alias, calibration.windowRecords);
    const qualities = (version: string) =>
      rows.flatMap((r) => {
        const q = qualityOf(r, calibration.measure);
        return r.studentVersion === version && q !== null ? [q] : [];
      });
    const verdict = canaryVerdict(qualities(channels.live), qualities(channels.canary), canary);
    this.canaryChecks.set(alias, { ...verdict, model, live: channels.live, canary: channels.canary, checkedAtMs: Date.now() });
    this.logger.info('edge canary checked', { alias, model, live: channels.live, canary: channels.canary, ...verdict });
    if (verdict.decision !== 'wait') await edge.settleCanary(model, verdict.decision);
    return verdict;
  }

  /**
   * Calibrates `alias` now from its newest shadow records: with fewer than `minRecords` it adopts
   * the stored calibration, if any, else keeps the configured threshold.
   * @returns the calibration applied, or null when there was none
   */
  async calibrate(alias: string, db: Database): Promise<(Calibration & { atMs: number }) | null> {
    const policy = this.policyOf(alias);
    if (!policy) throw new RangeError(`"${alias}" is not a routed alias`);
    if (policy === 'rules') return null; // no threshold to calibrate
    const { calibration: settings } = this.settings(alias);
    this.calibrating.add(alias);
    try {
      const rows = await listShadowRecords(db, alias, settings.windowRecords);
      const records = rows.flatMap((r) => calibrationRecord(r, policy, settings.measure));
      if (records.length < settings.minRecords) {
        const stored = await latestCalibration(db, alias);
        if (!stored || stored.policy !== policy || stored.measure !== settings.measure || stored.target !== settings.target) return null;
        const adopted = {
          threshold: stored.threshold ?? Number.POSITIVE_INFINITY,
          edgeShare: stored.edgeShare,
          quality: stored.quality,
          records: stored.records,
          atMs: stored.createdAtMs,
        };
        this.active.set(alias, { threshold: adopted.threshold, source: 'calibration', calibration: adopted });
        return adopted;
      }
      const result = { ...calibrateThreshold(records, settings.target), atMs: Date.now() };
      const previous = this.active.get(alias)?.calibration;
      this.active.set(alias, { threshold: result.threshold, source: 'calibration', calibration: result });
      if (!previous || previous.threshold !== result.threshold || previous.records !== result.records) {
        await saveCalibration(db, {
          alias,
          policy,
          measure: settings.measure,
          target: settings.target,
          threshold: result.threshold,
          edgeShare: result.edgeShare,
          quality: result.quality,
          records: result.records,
          createdAtMs: result.atMs,
        });
        this.logger.info('routing threshold calibrated', {
          alias,
          policy,
          threshold: result.threshold,
          edge_share: result.edgeShare,
          quality: result.quality,
          records: result.records,
        });
      }
      return result;
    } finally {
      this.calibrating.delete(alias);
    }
  }

  /** The admin view of routed aliases (`RoutingAlias` of the admin OpenAPI document). */
  async status(db: Database | undefined, only?: string): Promise<JsonObject[]> {
    const out: JsonObject[] = [];
    for (const alias of this.aliases()) {
      if (only !== undefined && alias !== only) continue;
      const settings = this.settings(alias);
      const active = this.threshold(alias);
      out.push({
        object: 'routing_alias',
        alias,
        policy: this.policyOf(alias),
        threshold: Number.isFinite(active.threshold) ? active.threshold : null,
        threshold_source: active.source,
        calibration: active.calibration
          ? {
              threshold: Number.isFinite(active.calibration.threshold) ? active.calibration.threshold : null,
              edge_share: active.calibration.edgeShare,
              quality: active.calibration.quality,
              records: active.calibration.records,
              calibrated_at_ms: active.calibration.atMs,
            }
          : null,
        target: { measure: settings.calibration.measure, quality: settings.calibration.target },
        cascade: { probe_tokens: settings.cascade.probeTokens, signal: settings.cascade.signal },
        shadow: { share: settings.shadow.share, ...(db ? await shadowCounts(db, alias) : { recorded: 0, dropped: 0, failed: 0 }) },
        canary: canaryView(this.canaryChecks.get(alias)),
      });
    }
    return out;
  }
}

/** The edge's refusal of this request (a parameter it cannot serve), or null. */
function edgeRefusal(endpoint: Endpoint, request: JsonObject): RouteFacts['edgeRefusal'] {
  try {
    toEdgeRequest(endpoint, request);
    return null;
  } catch (err) {
    if (err instanceof InvalidGenerationRequestError) return { param: err.param ?? null, message: err.message };
    throw err;
  }
}

function canaryView(check: (CanaryVerdict & { model: string; live: string; canary: string; checkedAtMs: number }) | undefined) {
  if (!check) return null;
  return {
    model: check.model,
    live: check.live,
    canary: check.canary,
    decision: check.decision,
    difference: check.difference,
    interval: check.interval,
    live_records: check.liveRecords,
    canary_records: check.canaryRecords,
    checked_at_ms: check.checkedAtMs,
  };
}

function qualityOf(row: ShadowRecord, measure: QualityMeasure): number | null {
  return measure === 'q' ? row.qualityQ : measure === 'rouge_l' ? row.qualityRougeL : row.qualityAgreement;
}

/** A shadow record as calibration reads it for `policy` and `measure` (none when it lacks them). */
function calibrationRecord(row: ShadowRecord, policy: RoutingPolicy, measure: QualityMeasure) {
  const quality = qualityOf(row, measure);
  // a request a rule routed never meets the threshold: it says nothing about where to put it
  if (quality === null || row.rule !== null) return [];
  const score = policy === 'learned' ? row.learnedScore : row.cascadeScore;
  if (policy === 'learned' && score === null) return [];
  return [{ score, quality, weight: 1 / row.sampleRate }];
}
