/**
 * Knowledge distillation (distill.py, kd_data.py, kd_eval.py).
 *
 * 1. The loss against values computed here, independently, in double precision: a 3-token toy and a
 *    5-token one (a rest bucket of three tokens), forward and reverse KL; zero KL when the student's
 *    T=1 distribution equals the teacher's on the top k, at every τ; finite gradients when a rest
 *    bucket vanishes (the teacher's top k holding all mass, even a little more after fp16 rounding);
 *    a row padded by the TS writer (logprob −65504) scoring as the row without its padding.
 * 2. kd_smoke.py (~35 s on 2 idle cores): a smoke teacher, its top-k shards, a student interrupted
 *    by --max-seconds and resumed, an uninterrupted twin, kd_eval.py, and shard sets that must be
 *    refused, and an index.json selecting shards. The shard bytes are read here, from TypeScript,
 *    against the format in kd_data.py.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, pythonSkipReason, runTrainer, TRAINER_DIR } from './python.ts';

// kd_smoke.py: 35 s on 2 idle cores, 150–180 s measured while other jobs loaded them (load average 5–7)
const SMOKE_TIMEOUT_MS = 480_000;
const skipReason = pythonSkipReason();
if (skipReason) console.warn(`[gpu-worker/trainer] ${skipReason}`);

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// ---- the loss, by hand --------------------------------------------------------------------

interface LossCase {
  logits: number[];
  target: number;
  ids: number[];
  logprobs: number[];
  alpha: number;
  tau: number;
  reverse_kl: boolean;
}

interface LossResult {
  loss: number;
  kl: number;
  ce: number;
  grad_finite: boolean;
  grad_abs_max: number;
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = sum(e);
  return e.map((v) => v / s);
}

/** As distill.py's docstring defines it: both sides collapsed to (k ids + rest) at T=1, then tempered. */
function expectedLoss(c: LossCase): { loss: number; kl: number; ce: number } {
  const p = softmax(c.logits);
  const pt = c.logprobs.map(Math.exp);
  const ps = c.ids.map((i) => p[i]!);
  const restT = Math.max(1 - sum(pt), 1e-6);
  const restS = Math.max(sum(p.filter((_, j) => !c.ids.includes(j))), 1e-6);
  const temper = (probs: number[]) => softmax(probs.map((q) => Math.log(q) / c.tau));
  const qt = temper([...pt, restT]);
  const qs = temper([...ps, restS]);
  const [a, b] = c.reverse_kl ? [qs, qt] : [qt, qs];
  const kl = sum(a.map((ai, i) => ai * Math.log(ai / b[i]!)));
  const ce = -Math.log(p[c.target]!);
  return { loss: c.alpha * c.tau ** 2 * kl + (1 - c.alpha) * ce, kl, ce };
}

const LOSS_SCRIPT = `
import json, sys, torch
from distill import KDConfig, kd_loss
out = []
for c in json.loads(sys.stdin.read()):
    logits = torch.tensor([c["logits"]], dtype=torch.float32, requires_grad=True)   # (1, V)
    kd = KDConfig(alpha=c["alpha"], tau=c["tau"], k=len(c["ids"]), reverse_kl=c["reverse_kl"])
    loss, kl, ce = kd_loss(logits, torch.tensor([c["target"]]), torch.tensor([c["ids"]]),
                           torch.tensor([c["logprobs"]], dtype=torch.float32), kd)
    loss.backward()
    g = logits.grad
    out.append({"loss": float(loss), "kl": float(kl), "ce": float(ce),
                "grad_finite": bool(torch.isfinite(g).all()), "grad_abs_max": float(g.abs().max())})
print(json.dumps(out))
`;

function runLoss(cases: LossCase[]): Promise<LossResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', LOSS_SCRIPT], { cwd: TRAINER_DIR, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kd_loss script failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as LossResult[]);
    });
    child.stdin!.end(JSON.stringify(cases));
  });
}

const base = { alpha: 0.5, tau: 2, reverse_kl: false };
const TOY3: LossCase = { ...base, logits: [2.0, 1.0, 0.5], target: 2, ids: [1, 0], logprobs: [Math.log(0.6), Math.log(0.3)] };
const TOY5: LossCase = {
  alpha: 0.3,
  tau: 3,
  reverse_kl: false,
  logits: [0.3, -1.2, 2.0, 0.7, -0.4],
  target: 0,
  ids: [2, 3],
  logprobs: [Math.log(0.5), Math.log(0.2)],
};
// the student's own T=1 distribution restricted to its top 3: KL must vanish at every τ
const Z6 = [1.5, 0.2, -0.3, 2.2, -1.0, 0.0];
const P6 = softmax(Z6);
const TOP3 = [3, 0, 1];
const equalCase = (tau: number, reverse_kl: boolean): LossCase => ({
  alpha: 1,
  tau,
  reverse_kl,
  logits: Z6,
  target: 2,
  ids: TOP3,
  logprobs: TOP3.map((i) => Math.log(P6[i]!)),
});
// rest → 0 on both sides: teacher ids hold all mass (a bit more, as fp16 rounding can give), and the
// student's rest logits sit 60 nats below its top two
const VANISHING: LossCase[] = [
  { ...base, logits: [30, 29, -30, -40], target: 1, ids: [0, 1], logprobs: [Math.log(0.7), Math.log(0.3) + 1e-3] },
  { ...base, logits: [30, 29, -30, -40], target: 3, ids: [0, 1], logprobs: [Math.log(0.7), Math.log(0.3)], reverse_kl: true },
  { ...base, logits: [0, 0, -3e38, -3e38], target: 0, ids: [0, 1], logprobs: [Math.log(0.5), Math.log(0.5)] },
];

// a row padded by the TS writer (fewer than k alternatives: logprob −65504, unused ids) must score as
// the same row without the padding: the padded ids stay in both rest buckets
const PAD = -65504;
const PADDED: LossCase[] = [false, true].flatMap((reverse_kl) => [
  { ...TOY5, reverse_kl, ids: [2, 3, 0, 1], logprobs: [Math.log(0.5), Math.log(0.2), PAD, PAD] },
  { ...TOY5, reverse_kl },
]);

describe.skipIf(skipReason !== null)('KD loss (distill.kd_loss) against hand-computed values', () => {
  let results: LossResult[];
  const cases: LossCase[] = [
    TOY3,
    { ...TOY3, reverse_kl: true },
    TOY5,
    { ...TOY5, reverse_kl: true },
    ...[1, 2, 5].flatMap((tau) => [equalCase(tau, false), equalCase(tau, true)]),
    ...VANISHING,
    ...PADDED,
  ];

  beforeAll(async () => {
    results = await runLoss(cases);
  }, 60_000);

  it('matches L = α·τ²·KL + (1−α)·CE on a 3-token toy and a 5-token one, both KL directions', () => {
    for (const [i, c] of cases.slice(0, 4).entries()) {
      const want = expectedLoss(c);
      const got = results[i]!;
      expect(got.kl, `case ${i} kl`).toBeCloseTo(want.kl, 5);
      expect(got.ce, `case ${i} ce`).toBeCloseTo(want.ce, 5);
      expect(got.loss, `case ${i} loss`).toBeCloseTo(want.loss, 5);
      expect(want.kl).toBeGreaterThan(1e-3); // the toys are not trivially matched
    }
  });

  it('is zero when the student equals the teacher, at every τ and in both directions (CE aside)', () => {
    for (const r of results.slice(4, 10)) {
      expect(Math.abs(r.kl)).toBeLessThan(1e-6);
      expect(Math.abs(r.loss)).toBeLessThan(1e-5); // α = 1
    }
  });

  it('keeps loss and gradient finite when a rest bucket vanishes', () => {
    for (const [i, r] of results.slice(10, 10 + VANISHING.length).entries()) {
      expect(Number.isFinite(r.loss), `case ${i}`).toBe(true);
      expect(r.grad_finite, `case ${i}`).toBe(true);
      expect(r.grad_abs_max, `case ${i}`).toBeLessThan(10);
    }
  });

  it("moves the TS writer's padding (logprob −65504) into the rest bucket on both sides", () => {
    const padded = results.slice(10 + VANISHING.length);
    for (const i of [0, 2]) {
      expect(padded[i]!.loss).toBeCloseTo(padded[i + 1]!.loss, 5);
      expect(padded[i]!.kl).toBeCloseTo(padded[i + 1]!.kl, 5);
      expect(padded[i]!.grad_finite).toBe(true);
    }
  });
});

// ---- the smoke run ------------------------------------------------------------------------

interface RunSummary {
  step: number;
  total_steps: number;
  stretches: number;
  tokens_seen: number;
  train_loss: number;
  kd_loss: number;
  ce_loss: number;
  val_loss: number;
  tokens_per_s: number;
}

interface EvalMetrics {
  test_perplexity: number;
  test_top1_accuracy: number;
  teacher_top1_agreement: number;
  kl_teacher_student: number;
}

interface KdSmoke {
  log: string;
  shards_dir: string;
  student_dir: string;
  teacher_manifest: string;
  bad_shards: Record<string, string>;
  tokenizer_sha256: string;
  shards: { shards: number; positions: number; k: number; seq_len: number };
  first: RunSummary;
  resumed: RunSummary;
  uninterrupted: RunSummary;
  eval: EvalMetrics & { teacher: { test_perplexity: number }; init: EvalMetrics };
  refusals: Record<string, string | null>;
  index: { listed_positions: number; refusal: string | null };
  timingsMs: Record<string, number>;
}

interface LogLine {
  event: string;
  step?: number;
  tokens?: number;
  loss?: number;
  kd_loss?: number;
  ce_loss?: number;
  lr?: number;
  tokens_per_s?: number;
}

interface ShardHeader {
  format: string;
  n: number;
  k: number;
  seq_len: number;
  sequences: number;
  sha256: string;
  source: string;
  teacher: { model: string; version: string; tokenizer_sha256: string; base_url: string | null };
  created_at: string;
}

/** IEEE 754 binary16 → number (Node 20 has no Float16Array). */
function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

describe.skipIf(skipReason !== null)('knowledge distillation smoke run (kd_smoke.py)', () => {
  let out: string;
  let smoke: KdSmoke;
  let log: LogLine[];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'distillgate-kd-smoke-'));
    await runTrainer('kd_smoke.py', ['--out', out], SMOKE_TIMEOUT_MS);
    smoke = readJson<KdSmoke>(join(out, 'kd_smoke.json'));
    log = readFileSync(smoke.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  }, SMOKE_TIMEOUT_MS);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes shards byte for byte as the format says (read here, not by kd_data.py)', () => {
    const headers = readdirSync(smoke.shards_dir).filter((f) => f.endsWith('.json'));
    expect(headers).toEqual(['shard-00000.json', 'shard-00001.json']);
    const teacherTokenizer = readJson<{ tokenizer_sha256: string }>(smoke.teacher_manifest).tokenizer_sha256;
    for (const name of headers) {
      const h = readJson<ShardHeader>(join(smoke.shards_dir, name));
      const bin = readFileSync(join(smoke.shards_dir, name.replace('.json', '.bin')));
      expect(h).toMatchObject({ format: 'distillgate-kd-shard/1', k: 20, seq_len: 64, source: 'corpus-train' });
      expect(h.sequences * h.seq_len).toBe(h.n);
      expect(h.teacher.tokenizer_sha256).toBe(teacherTokenizer);
      expect(Number.isNaN(Date.parse(h.created_at))).toBe(false);
      expect(bin.byteLength).toBe(h.n * 4 * 2 + h.n * h.k * (4 + 2));
      expect(createHash('sha256').update(bin).digest('hex')).toBe(h.sha256);
      const { n, k, seq_len: S } = h;
      const input = (i: number) => bin.readInt32LE(4 * i);
      const target = (i: number) => bin.readInt32LE(4 * n + 4 * i);
      const id = (i: number, j: number) => bin.readInt32LE(8 * n + 4 * (i * k + j));
      const logprob = (i: number, j: number) => f16(bin.readUInt16LE(8 * n + 4 * n * k + 2 * (i * k + j)));
      const bad = { continuity: 0, duplicateIds: 0, idRange: 0, order: 0, positive: 0, mass: 0 };
      for (let i = 0; i < n; i++) {
        if (i % S !== S - 1 && input(i + 1) !== target(i)) bad.continuity++;
        const ids = Array.from({ length: k }, (_, j) => id(i, j));
        const lps = Array.from({ length: k }, (_, j) => logprob(i, j));
        if (new Set(ids).size !== k) bad.duplicateIds++;
        if (Math.min(...ids) < 0 || Math.max(...ids) >= 512) bad.idRange++;
        if (lps.some((lp, j) => j > 0 && lp > lps[j - 1]!)) bad.order++; // most likely first
        if (lps[0]! > 0) bad.positive++;
        if (sum(lps.map(Math.exp)) > 1.01) bad.mass++;
      }
      expect(bad, name).toEqual({ continuity: 0, duplicateIds: 0, idRange: 0, order: 0, positive: 0, mass: 0 });
    }
  });

  it('lowers the KD loss (JSONL log: first interval vs last)', () => {
    const progress = log.filter((l) => l.event === 'distill.progress');
    for (const l of progress) {
      for (const key of ['step', 'tokens', 'loss', 'kd_loss', 'ce_loss', 'lr', 'tokens_per_s'] as const) {
        expect(l[key], key).toEqual(expect.any(Number));
      }
    }
    const [first, last] = [progress[0]!, progress.at(-1)!];
    expect(last.kd_loss!).toBeLessThan(first.kd_loss! / 3);
    expect(last.loss!).toBeLessThan(first.loss!);
    expect(last.ce_loss!).toBeLessThan(first.ce_loss!);
  });

  it('moves the student toward the teacher: top-1 agreement up, KL(teacher ‖ student) down (kd_eval.py)', () => {
    const { eval: e } = smoke;
    expect(e.teacher_top1_agreement).toBeGreaterThan(e.init.teacher_top1_agreement + 0.05);
    expect(e.kl_teacher_student).toBeLessThan(e.init.kl_teacher_student / 2);
    expect(e.test_perplexity).toBeLessThan(e.init.test_perplexity);
    expect(e.teacher.test_perplexity).toBeLessThan(e.test_perplexity); // the teacher is the better model
  });

  it('resumes an interrupted run where it stopped, keeping the log, and ends where an uninterrupted run does', () => {
    const { first, resumed, uninterrupted } = smoke;
    expect(first.step).toBeGreaterThan(0);
    expect(first.step).toBeLessThan(first.total_steps);
    expect(resumed).toMatchObject({ step: first.total_steps, stretches: 2 });
    const starts = log.filter((l) => l.event === 'distill.start');
    expect(starts.map((l) => l.step)).toEqual([0, first.step]);
    expect(log.filter((l) => l.event === 'distill.stop')).toHaveLength(1);
    const steps = log.filter((l) => l.event === 'distill.progress').map((l) => l.step!);
    expect(steps).toContain(first.step); // the interrupted stretch logged its partial interval
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThan(steps[i - 1]!);
    expect(steps.at(-1)).toBe(first.total_steps);
    // same data order, optimizer state and schedule: the same model as never stopping
    for (const key of ['train_loss', 'kd_loss', 'ce_loss', 'val_loss', 'tokens_seen'] as const) {
      expect(resumed[key], key).toBeCloseTo(uninterrupted[key], 3);
    }
  });

  it('writes a checkpoint export.py reads (student manifest with parent and KD training facts)', () => {
    const manifest = readJson<{ parent: string; tokenizer_sha256: string; training: { method: string; kd: { alpha: number } } }>(
      join(smoke.student_dir, 'manifest.json'),
    );
    expect(manifest.parent).toBe('smoke-teacher@0.0.0');
    expect(manifest.tokenizer_sha256).toBe(smoke.tokenizer_sha256);
    expect(manifest.training.method).toBe('knowledge-distillation');
    expect(manifest.training.kd.alpha).toBe(0.5);
  });

  it('refuses a wrong sha256, a wrong size, another tokenizer and mixed k', async () => {
    expect(smoke.refusals.sha256).toMatch(/^refused: shard-00001\.json: sha256 of shard-00001\.bin is [0-9a-f]{64}, header says/);
    expect(smoke.refusals.size).toMatch(/^refused: shard-00001\.json: .* bytes; n=\d+, k=20 needs/);
    expect(smoke.refusals.tokenizer).toMatch(/^refused: .*teacher tokenizer_sha256 0{64} is not the student's/);
    expect(smoke.refusals.mixed_k).toMatch(/^refused: mixed k/);
    // the TS teacher stage's index.json selects shards and pins their sha256
    expect(smoke.index.listed_positions).toBe(smoke.shards.positions / 2);
    expect(smoke.index.refusal).toMatch(/^shard-00000\.json: sha256 [0-9a-f]{64}, index\.json says 0{64}/);
    // and from the command line, with a non-zero exit
    await expect(
      runTrainer('kd_data.py', ['verify', smoke.bad_shards.sha256!, '--manifest', smoke.teacher_manifest], 60_000),
    ).rejects.toThrow(/refused: .*sha256/);
    const ok = JSON.parse(await runTrainer('kd_data.py', ['verify', smoke.shards_dir, '--manifest', smoke.teacher_manifest], 60_000));
    expect(ok).toMatchObject({ shards: 2, positions: smoke.shards.positions, k: 20, seq_len: 64 });
  });
});
