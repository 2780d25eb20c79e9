"""Knowledge distillation: train the student on the teacher's top-k log-probabilities (shards from
kd_data.py's format) plus the true next token (Hinton, Vinyals & Dean 2015, "Distilling the
Knowledge in a Neural Network", §2).

    /usr/bin/python3 gpu-worker/trainer/distill.py --shards <cache>/kd-shards --resume
    /usr/bin/python3 gpu-worker/trainer/distill.py --shards DIR --out RUN_DIR [--preset student-kd]
        [--set key=value ...] [--resume | --restart] [--max-seconds S] [--device cpu|cuda] [--reverse-kl]

Loss per position, with k teacher ids and one "rest" bucket (everything else), both (k+1)-way:
    L = α·τ²·KL(q_T ‖ q_S) + (1−α)·CE(student logits, target)
    a_T = [lp_1 … lp_k, log r_T],  r_T = max(1 − Σ exp(lp_i), 1e-6)      teacher logprobs at T=1
    a_S = [ls_1 … ls_k, log r_S],  ls_i = log_softmax(z)[id_i],  r_S = max(1 − Σ exp(ls_i), 1e-6)
    q_T = softmax(a_T / τ),  q_S = softmax(a_S / τ)
Tempering the rest bucket: both sides are first collapsed to the same (k+1) outcomes at T=1 and
then tempered as (k+1)-way distributions, the rest bucket acting as one outcome of probability r.
The teacher's tail is unknown past its top k, so this is the only tempering both sides can share;
the KL is zero exactly when the student's T=1 probabilities of the k ids (hence of the rest) equal
the teacher's, at every τ. (Tempering the student over its full vocabulary first would make its rest
Σ_{rest} p_j^{1/τ}/Z, larger than the teacher's r_T^{1/τ}/Z' for the same distribution, and push it
toward a spikier tail.) Both rests come from the k log-probs alone (log-sum-exp, then −expm1), so
the loss costs O(k) per position beyond the cross-entropy's log-softmax; a float32 student rest is
exact to ~1e-6, the floor, which the teacher's fp16 logprobs cannot resolve either. τ² keeps the
soft-target gradients' scale as τ changes (Hinton §2). `--reverse-kl` uses KL(q_S ‖ q_T) on the same
support. Defaults: α 0.5, τ 2, k 20. Padded entries (teacher logprob −65504: fewer than k alternatives)
get mass 0 on both sides, their ids staying in both rest buckets.

The student is a train.py model (default preset `student-kd`: the baseline's architecture and
optimizer/schedule knobs) trained from scratch; `ckpt.pt` is train.py's layout plus a `kd` entry,
so export.py, evaluate.py and sample.py read it. Sequences are drawn per epoch in a seeded
permutation of every shard sequence: batches depend only on (seed, step), so a resumed run sees
exactly the data an uninterrupted one would. Progress is JSON lines on stderr and in
<out>/log.jsonl (`distill.progress`: step, tokens, loss, kd_loss, ce_loss, agreement, lr,
tokens_per_s); validation CE on <data>/validation.bin every `eval_interval_steps` (and at step 0);
the checkpoint every `kd.checkpoint_interval_steps` steps, every `checkpoint_interval_s`, at the end
and on SIGINT/SIGTERM. The final summary is one JSON line on stdout (and train_summary.json).
KD knobs, one --set each: kd.alpha=0.5, kd.tau=2, kd.k=20 (≤ the shards' k), kd.reverse_kl=false,
kd.rest_min=1e-6, kd.checkpoint_interval_steps=200; the rest as train.py (token_budget=…, model.…).

Several GPUs: `torchrun --standalone --nproc_per_node=N distill.py …` (distributed.py): each rank
takes rows rank::N of the step's global batch, DDP averages gradients, rank 0 checkpoints and logs.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import distributed
import kd_data
from config import PRESETS, TrainConfig, cache_dir, from_dict, to_dict, with_overrides
from runtime import JsonLog, be_nice, setup_torch, write_json_atomic

torch = setup_torch()
F = torch.nn.functional
from model import GPT  # noqa: E402  (after torch's thread setup)
from train import learning_rate, load_tokens, make_optimizer, sample_load_average, validation_loss  # noqa: E402


@dataclass(frozen=True)
class KDConfig:
    alpha: float = 0.5  # weight of the soft-target term; 1 − α on the hard-target CE
    tau: float = 2.0  # temperature τ for both (k+1)-way distributions
    k: int = 20  # teacher ids used per position (the first k of each shard row)
    reverse_kl: bool = False  # KL(q_S ‖ q_T) instead of KL(q_T ‖ q_S)
    rest_min: float = 1e-6  # floor of both rest buckets (fp16 logprobs cannot resolve smaller rests)
    checkpoint_interval_steps: int = 200


# ---- the loss -------------------------------------------------------------------------------

def log_rest(lp: torch.Tensor, rest_min: float) -> torch.Tensor:
    """log max(1 − Σ_i exp(lp_i), rest_min) over the last axis, kept as (…, 1): the rest bucket of k log-probs.

    log-sum-exp, then −expm1 (exact near Σ → 0); Σ may exceed 1 by rounding (fp16 logprobs), hence the
    clamps. Below the floor the bucket is constant, so its gradient is zero there, never inf or NaN."""
    log_mass = torch.logsumexp(lp, dim=-1, keepdim=True).clamp(max=0.0)
    return torch.log(torch.clamp(-torch.expm1(log_mass), min=rest_min))


def kd_loss(logits: torch.Tensor, target: torch.Tensor, t_ids: torch.Tensor, t_logprobs: torch.Tensor,
            kd: KDConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, kd term, ce term), each a mean over positions; the kd term is KL before α·τ².

    logits (…, V) float; target (…) int64; t_ids (…, k) int64 (distinct, < V); t_logprobs (…, k) float."""
    V = logits.size(-1)
    logits = logits.float()
    logp = F.log_softmax(logits, dim=-1)  # (…, V)
    ce = F.nll_loss(logp.reshape(-1, V), target.reshape(-1))
    # padding (kd_data.PAD_LOGPROB) joins the rest bucket on both sides: log-prob −1e4 is mass exp(−1e4) = 0
    pad = t_logprobs <= kd_data.PAD_LOGPROB_MAX
    ls = logp.gather(-1, t_ids).masked_fill(pad, kd_data.PAD_LOGPROB_MAX)  # (…, k) student log-probs of the ids
    lt = t_logprobs.float().clamp(min=kd_data.PAD_LOGPROB_MAX)
    a_t = torch.cat([lt, log_rest(lt, kd.rest_min)], dim=-1)  # (…, k+1)
    a_s = torch.cat([ls, log_rest(ls, kd.rest_min)], dim=-1)
    log_qt = F.log_softmax(a_t / kd.tau, dim=-1)
    log_qs = F.log_softmax(a_s / kd.tau, dim=-1)
    if kd.reverse_kl:
        kl = (log_qs.exp() * (log_qs - log_qt)).sum(-1)
    else:
        kl = (log_qt.exp() * (log_qt - log_qs)).sum(-1)
    kl = kl.mean()
    loss = kd.alpha * kd.tau ** 2 * kl + (1 - kd.alpha) * ce
    return loss, kl, ce


# ---- data order -----------------------------------------------------------------------------

class SequenceOrder:
    """Sequence indices of step `step`: a seeded permutation per epoch over all shard sequences."""

    def __init__(self, n_sequences: int, seed: int):
        self.n, self.seed = n_sequences, seed
        self._epoch, self._perm = -1, None

    def _permutation(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            self._epoch, self._perm = epoch, np.random.default_rng([self.seed, 2, epoch]).permutation(self.n)
        return self._perm

    def indices(self, step: int, batch_size: int) -> np.ndarray:
        g = np.arange(step * batch_size, (step + 1) * batch_size)
        return np.array([self._permutation(int(i // self.n))[i % self.n] for i in g])


# ---- checkpoints ----------------------------------------------------------------------------

def save_checkpoint(out: Path, model: GPT, optimizer, cfg: TrainConfig, kd: KDConfig, state: dict) -> None:
    """train.py's layout (model, optimizer, config, state) + kd: export/evaluate/sample read it as is."""
    tmp = out / "ckpt.pt.tmp"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": to_dict(cfg),
                "kd": dataclasses.asdict(kd), "state": state}, tmp)
    os.replace(tmp, out / "ckpt.pt")


def split_overrides(assignments: list[str]) -> tuple[list[str], dict]:
    """`kd.key=value` → KDConfig values (JSON), the rest → train.py's with_overrides."""
    train_side, kd_side = [], {}
    names = {f.name for f in dataclasses.fields(KDConfig)}
    for a in assignments:
        key, _, raw = a.partition("=")
        if not key.startswith("kd."):
            train_side.append(a)
            continue
        name = key.removeprefix("kd.")
        if name not in names:
            raise SystemExit(f"unknown config key {key!r} (KDConfig has {sorted(names)})")
        try:
            kd_side[name] = json.loads(raw)
        except json.JSONDecodeError as e:
            raise SystemExit(f"{a}: value must be JSON ({e})") from e
    return train_side, kd_side


def summary(cfg: TrainConfig, kd: KDConfig, state: dict, total_steps: int) -> dict:
    n = max(1, state["load_average_samples"])
    return {
        "name": cfg.name, "method": "knowledge-distillation", "step": state["step"], "total_steps": total_steps,
        "tokens_seen": state["tokens_seen"], "token_budget": cfg.token_budget,
        "wall_time_ms": int(state["wall_time_s"] * 1000), "stretches": state["stretches"],
        "tokens_per_s": round(state["tokens_seen"] / max(1e-9, state["wall_time_s"]), 1),
        "load_average_1m_mean": round(state["load_average_sum"] / n, 2),
        "load_average_1m_max": round(state["load_average_max"], 2),
        "train_loss": state["train_loss"], "kd_loss": state["kd_loss"], "ce_loss": state["ce_loss"],
        "agreement": state["agreement"], "val_loss": state["val_loss"], "kd": dataclasses.asdict(kd),
        "threads": torch.get_num_threads(), "torch": torch.__version__, "data": state["data"],
    }


def check_settings(kd: KDConfig, cfg: TrainConfig, shards: kd_data.ShardSet) -> None:
    if not (0.0 <= kd.alpha <= 1.0 and kd.tau > 0 and 0 < kd.rest_min < 1 and kd.k >= 1):
        raise SystemExit(f"need 0 ≤ kd.alpha ≤ 1, kd.tau > 0, 0 < kd.rest_min < 1, kd.k ≥ 1: {kd}")
    if kd.k > shards.k:
        raise SystemExit(f"kd.k={kd.k} but the shards hold only {shards.k} ids per position")
    if kd.k >= cfg.model.vocab_size:
        raise SystemExit(f"kd.k={kd.k} leaves no rest bucket in a vocabulary of {cfg.model.vocab_size}")
    if shards.seq_len > cfg.model.context_length:
        raise SystemExit(f"shard seq_len {shards.seq_len} > the student's context {cfg.model.context_length}")


# ---- the command ----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shards", type=Path, default=cache_dir() / "kd-shards", help="dir of shard-*.bin/.json")
    p.add_argument("--out", type=Path, default=None, help="default: <cache>/runs/<name>")
    p.add_argument("--preset", choices=sorted(PRESETS), default="student-kd")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--data", type=Path, default=cache_dir() / "tokenizer", help="dir with validation.bin, tokens.json")
    p.add_argument("--teacher-manifest", type=Path, default=kd_data.DEFAULT_TEACHER_MANIFEST,
                   help="its tokenizer_sha256 is the student's; shards and data must match it")
    p.add_argument("--reverse-kl", action="store_true", help="KL(student ‖ teacher) instead of KL(teacher ‖ student)")
    p.add_argument("--resume", action="store_true", help="continue from <out>/ckpt.pt (start fresh if none)")
    p.add_argument("--restart", action="store_true", help="discard an existing checkpoint")
    p.add_argument("--max-seconds", type=float, default=None, help="stop (checkpointed) after this long")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)

    train_overrides, kd_overrides = split_overrides(args.overrides)
    if args.reverse_kl:
        kd_overrides["reverse_kl"] = True
    cfg = with_overrides(PRESETS[args.preset], train_overrides)
    kd = dataclasses.replace(KDConfig(), **kd_overrides)
    out = args.out or cache_dir() / "runs" / cfg.name
    ckpt_path = out / "ckpt.pt"
    resuming = ckpt_path.exists() and not args.restart
    if resuming and not args.resume:
        raise SystemExit(f"{ckpt_path} exists: pass --resume to continue it or --restart to discard it")

    tokenizer_sha256 = kd_data.expected_tokenizer_sha256(args.teacher_manifest)
    tokens_meta = json.loads((args.data / "tokens.json").read_text())
    if tokens_meta["tokenizer_sha256"] != tokenizer_sha256:
        raise SystemExit(f"{args.data} is tokenized by {tokens_meta['tokenizer_sha256']}, the teacher "
                         f"({args.teacher_manifest}) uses {tokenizer_sha256}")
    try:
        shards = kd_data.open_shards(args.shards, tokenizer_sha256=tokenizer_sha256, vocab_size=cfg.model.vocab_size)
    except kd_data.ShardError as e:
        raise SystemExit(f"refused: {e}") from e
    check_settings(kd, cfg, shards)
    out.mkdir(parents=True, exist_ok=True)
    be_nice(cfg.niceness)
    dist = distributed.setup(torch, args.device, cfg.batch_size)
    args.device = dist.device
    log = JsonLog(out / "log.jsonl", stream=sys.stderr) if dist.is_main else (lambda *_a, **_k: None)

    torch.manual_seed(cfg.seed)  # the student's initialisation depends on the seed only
    model = GPT(cfg.model).to(args.device)
    optimizer = make_optimizer(model, cfg)
    state = {"step": 0, "tokens_seen": 0, "wall_time_s": 0.0, "stretches": 0, "load_average_sum": 0.0,
             "load_average_samples": 0, "load_average_max": 0.0, "train_loss": None, "kd_loss": None,
             "ce_loss": None, "agreement": None, "val_loss": None,
             "data": {"tokenizer_sha256": tokenizer_sha256, "corpus_content_sha256": tokens_meta["corpus_content_sha256"],
                      "shards": {"dir": str(args.shards), **shards.describe()}}}
    if resuming:
        ckpt = torch.load(ckpt_path, map_location=args.device, weights_only=False)  # our own file (train.load_model)
        if "kd" not in ckpt:
            raise SystemExit(f"{ckpt_path} is not a distill.py checkpoint (train.py's?): use another --out")
        saved = from_dict(ckpt["config"])
        assert saved.model == cfg.model, f"checkpoint model {saved.model} differs from {cfg.model}"
        cfg = with_overrides(saved, train_overrides)  # the checkpoint's resolved config wins
        kd = dataclasses.replace(KDConfig(**ckpt["kd"]), **kd_overrides)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        if state["data"]["tokenizer_sha256"] != tokenizer_sha256:
            raise SystemExit("the tokenizer changed since the checkpoint")
        if state["data"]["shards"]["sha256"] != shards.describe()["sha256"]:
            log("distill.warning", message="the shard set changed since the checkpoint; the data order changes",
                was=state["data"]["shards"]["sha256"], now=shards.describe()["sha256"])
            state["data"]["shards"] = {"dir": str(args.shards), **shards.describe()}
    check_settings(kd, cfg, shards)
    if cfg.batch_size % dist.world_size:
        raise SystemExit(f"the checkpoint's batch_size {cfg.batch_size} does not split across {dist.world_size} processes")
    state["stretches"] += 1
    if dist.is_main:
        write_json_atomic(out / "config.json", {**to_dict(cfg), "kd": dataclasses.asdict(kd)})
    try:
        result = distill_loop(model, optimizer, cfg, kd, shards, state, args, out, log, dist)
    finally:
        distributed.teardown(dist)
    if dist.is_main:
        print(json.dumps(result), flush=True)
    return result


def distill_loop(model: GPT, optimizer, cfg: TrainConfig, kd: KDConfig, shards: kd_data.ShardSet, state: dict,
                 args, out: Path, log: JsonLog, dist: distributed.Dist = distributed.Dist()) -> dict:
    val_tokens = load_tokens(args.data, "validation")
    B, S = cfg.batch_size, shards.seq_len
    total_steps = math.ceil(cfg.token_budget / (B * S))
    order = SequenceOrder(shards.sequences, cfg.seed)
    log("distill.start", name=cfg.name, parameters=model.num_parameters(), step=state["step"], total_steps=total_steps,
        stretch=state["stretches"], threads=torch.get_num_threads(), niceness=os.nice(0), device=args.device,
        epochs=round(total_steps * B / shards.sequences, 3), config=to_dict(cfg), kd=dataclasses.asdict(kd),
        shards=state["data"]["shards"], world_size=dist.world_size)
    step_model = distributed.wrap(torch, model, dist)  # DDP when distributed; `model` stays the plain GPT
    if state["step"] == 0 and state["val_loss"] is None and total_steps > 0 and dist.is_main:
        state["val_loss"] = round(validation_loss(model, val_tokens, cfg), 4)
        log("distill.eval", step=0, tokens=0, val_loss=state["val_loss"])

    stop = {"signal": None}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: stop.update(signal=signal.Signals(s).name))
    model.train()
    stretch_start = last_ckpt = last_log = time.time()
    wall_at_start = state["wall_time_s"]
    sums = {"loss": 0.0, "kd_loss": 0.0, "ce_loss": 0.0, "agreement": 0.0}
    n_interval, interval_tokens = 0, 0

    def checkpoint(why: str) -> None:
        if not dist.is_main:
            return
        save_checkpoint(out, model, optimizer, cfg, kd, state)
        write_json_atomic(out / "train_summary.json", {**summary(cfg, kd, state, total_steps), "world_size": dist.world_size})
        log("distill.checkpoint", step=state["step"], tokens=state["tokens_seen"], reason=why, path=str(out / "ckpt.pt"))

    while state["step"] < total_steps and stop["signal"] is None:
        lr = learning_rate(cfg, state["step"], total_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        # under torchrun every rank draws the same global batch and keeps rows rank::world_size
        rows = dist.shard(order.indices(state["step"], B))
        x, y, ids, lps = (torch.from_numpy(a).to(args.device) for a in shards.batch(rows, kd.k))
        logits, _ = step_model(x)
        loss, kl, ce = kd_loss(logits, y, ids, lps, kd)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        with torch.no_grad():
            agree = (logits.argmax(-1) == ids[..., 0]).float().mean()
        for key, value in (("loss", loss), ("kd_loss", kl), ("ce_loss", ce), ("agreement", agree)):
            sums[key] += float(value)
        n_interval += 1
        state["step"] += 1
        state["tokens_seen"] += B * S
        state["wall_time_s"] = wall_at_start + time.time() - stretch_start
        interval_tokens += B * S
        now = time.time()
        last_step = state["step"] == total_steps
        if args.max_seconds is not None and now - stretch_start >= args.max_seconds:
            stop["signal"] = "max-seconds"
        if dist.enabled and distributed.any_rank(torch, stop["signal"] is not None, dist):
            stop["signal"] = stop["signal"] or "peer-stopped"  # every rank leaves the loop at the same step
        stopping = last_step or stop["signal"] is not None  # log the partial interval before stopping

        if state["step"] % cfg.log_interval_steps == 0 or stopping:
            la = sample_load_average(state)
            means = dict(zip(sums, (round(v, 4) for v in distributed.mean(torch, [v / n_interval for v in sums.values()], dist))))
            state["train_loss"], state["kd_loss"], state["ce_loss"], state["agreement"] = (
                means["loss"], means["kd_loss"], means["ce_loss"], means["agreement"])
            rate = interval_tokens / max(1e-9, now - last_log)
            log("distill.progress", step=state["step"], total_steps=total_steps,
                pct=round(100 * state["step"] / total_steps, 1), tokens=state["tokens_seen"], **means,
                lr=round(lr, 6), tokens_per_s=round(rate, 1),
                eta_s=int((total_steps - state["step"]) * B * S / max(rate, 1e-9)), load_average_1m=la)
            sums = dict.fromkeys(sums, 0.0)
            n_interval, interval_tokens, last_log = 0, 0, now
        if (state["step"] % cfg.eval_interval_steps == 0 or last_step) and dist.is_main:
            state["val_loss"] = round(validation_loss(model, val_tokens, cfg), 4)
            log("distill.eval", step=state["step"], tokens=state["tokens_seen"], val_loss=state["val_loss"],
                train_loss=state["train_loss"])
            last_log = time.time()  # keep evaluation time out of the next tokens/s figure
        if not last_step and stop["signal"] is None and (
                state["step"] % kd.checkpoint_interval_steps == 0 or now - last_ckpt >= cfg.checkpoint_interval_s):
            checkpoint("interval")
            last_ckpt = time.time()

    checkpoint("end" if state["step"] >= total_steps else stop["signal"] or "stop")
    result = {**summary(cfg, kd, state, total_steps), "world_size": dist.world_size}
    log("distill.done" if state["step"] >= total_steps else "distill.stop", reason=stop["signal"] or "budget", **result)
    return result


if __name__ == "__main__":
    main()
