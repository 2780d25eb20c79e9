/**
 * Automatic threshold calibration from shadow records (issue 8 §2). A record is one shadowed
 * request: the routing score the policy computed (cascade confidence or learned prediction), the
 * quality of the student's answer relative to the teacher's (quality.ts, in [0, 1]; the teacher
 * scores 1 against itself) and its weight = 1 / the sampling rate it was shadowed at, so periods
 * sampled at different rates count as the traffic they stand for (Horvitz–Thompson weighting).
 *
 * For a threshold t, requests with score ≥ t stay on the edge, the others go to the teacher:
 *   edge share(t) = Σ_{s_i ≥ t} w_i / Σ w_i
 *   quality(t)    = (Σ_{s_i ≥ t} w_i·m_i + Σ_{s_i < t} w_i·1) / Σ w_i
 * Calibration picks the t with the largest edge share whose quality meets the target. Quality is not
 * monotone in t, so every candidate (each distinct score) is checked: one pass over the records
 * sorted by score, O(n log n). A record without a score (a draft that ended at once) always
 * escalates.
 */

export interface CalibrationRecord {
  /** The policy's score; null = no evidence (always escalated). */
  score: number | null;
  /** The student answer's quality in [0, 1] on the calibrated measure. */
  quality: number;
  /** 1 / sampling rate, > 0. */
  weight: number;
}

export interface Calibration {
  /**
   * Serve on the edge when score ≥ threshold. `Infinity`: no threshold meets the target, every
   * request goes to the teacher.
   */
  threshold: number;
  /** Weighted share of the records the threshold keeps on the edge, 0..1. */
  edgeShare: number;
  /** Weighted quality of the routed traffic at that threshold, 0..1. */
  quality: number;
  /** Records used. */
  records: number;
}

/**
 * @param target the quality to meet, in (0, 1]
 * @throws RangeError for no records, a weight ≤ 0 or not finite, or a quality outside [0, 1]
 */
export function calibrateThreshold(records: readonly CalibrationRecord[], target: number): Calibration {
  if (records.length === 0) throw new RangeError('calibration needs at least one record');
  let total = 0;
  for (const r of records) {
    if (!(r.weight > 0) || !Number.isFinite(r.weight)) throw new RangeError(`record weight must be a finite number > 0, got ${r.weight}`);
    if (!(r.quality >= 0 && r.quality <= 1)) throw new RangeError(`record quality must be in [0, 1], got ${r.quality}`);
    total += r.weight;
  }
  const scored = records.filter((r) => r.score !== null).sort((a, b) => (b.score as number) - (a.score as number));
  // threshold +∞: nothing on the edge, quality 1
  let best: Calibration = { threshold: Number.POSITIVE_INFINITY, edgeShare: 0, quality: 1, records: records.length };
  let edgeWeight = 0;
  /** Σ over edge records of w·(1 − m): the quality lost by serving them on the edge. */
  let loss = 0;
  for (let i = 0; i < scored.length; ) {
    const t = scored[i]!.score as number;
    // every record with this score moves to the edge together
    for (; i < scored.length && scored[i]!.score === t; i++) {
      edgeWeight += scored[i]!.weight;
      loss += scored[i]!.weight * (1 - scored[i]!.quality);
    }
    const quality = 1 - loss / total;
    if (quality >= target - 1e-12) best = { threshold: t, edgeShare: edgeWeight / total, quality, records: records.length };
  }
  return best;
}
