"""Train a GPT with next-token cross-entropy: the teacher, and the baseline (non-distilled) student.

    /usr/bin/python3 gpu-worker/trainer/train.py --preset teacher --resume   # start, or continue
    /usr/bin/python3 gpu-worker/trainer/train.py --preset student --resume   # the ~1M baseline
The process renices itself to `niceness` (default 10, as `nice -n 10` would).
Options: --set key=value (e.g. --set token_budget=8000000, --set model.n_layer=4),
--max-seconds N (stop, checkpointed, after N seconds: run in stretches), --data DIR, --out DIR,
--device cuda|cpu (default: cuda when available). An existing checkpoint is never overwritten
without --resume (continue) or --restart (discard).

Several GPUs (or CPU processes): launch with torchrun, the same arguments (distributed.py):
    torchrun --standalone --nproc_per_node=4 gpu-worker/trainer/train.py --preset teacher --resume
Each rank takes its rows of the same global batch and DDP averages gradients, so the run follows the
single-process one; rank 0 writes the checkpoint, summaries and logs.

Progress is JSON lines (stdout and <out>/log.jsonl). <out>/ckpt.pt holds model, optimizer, the
resolved config and counters; it is rewritten every `checkpoint_interval_s`, at the end, and on
SIGINT/SIGTERM. <out>/train_summary.json has tokens seen, wall time, load average, losses.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import time
from pathlib import Path

import numpy as np

import distributed
from config import PRESETS, TrainConfig, cache_dir, from_dict, to_dict, with_overrides
from runtime import JsonLog, be_nice, load_average_1m, setup_torch, write_json_atomic

torch = setup_torch()
from model import GPT  # noqa: E402  (after torch's thread setup)


# ---- data -----------------------------------------------------------------------------------

def load_tokens(data: Path, split: str) -> np.ndarray:
    return np.memmap(data / f"{split}.bin", dtype=np.uint16, mode="r")


def get_batch(tokens: np.ndarray, batch_size: int, context: int, rng: np.random.Generator):
    """`batch_size` random windows of context+1 tokens → inputs (B, T) and shifted targets (B, T)."""
    starts = rng.integers(0, len(tokens) - context - 1, size=batch_size)
    windows = np.stack([tokens[s: s + context + 1].astype(np.int64) for s in starts])  # (B, T+1)
    w = torch.from_numpy(windows)
    return w[:, :-1], w[:, 1:]


# ---- schedule and optimizer -----------------------------------------------------------------

def learning_rate(cfg: TrainConfig, step: int, total_steps: int) -> float:
    """Linear warmup, then cosine decay to min_learning_rate (Loshchilov & Hutter 2017, SGDR eq. 5)."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, total_steps - cfg.warmup_steps))
    return cfg.min_learning_rate + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_learning_rate)


def make_optimizer(model: GPT, cfg: TrainConfig):
    """AdamW; weight decay on matrices (2-D) only, not on biases, LayerNorm gains (nanoGPT)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=(cfg.beta1, cfg.beta2))


@torch.no_grad()
def validation_loss(model: GPT, tokens: np.ndarray, cfg: TrainConfig) -> float:
    """Mean loss over the same `eval_batches` windows every time (seeded), so values compare."""
    model.eval()
    rng = np.random.default_rng([cfg.seed, 1])
    device = next(model.parameters()).device
    losses = []
    for _ in range(cfg.eval_batches):
        x, y = get_batch(tokens, cfg.batch_size, cfg.model.context_length, rng)
        losses.append(float(model.loss(x.to(device), y.to(device))))
    model.train()
    return sum(losses) / len(losses)


# ---- checkpoints ----------------------------------------------------------------------------

def save_checkpoint(out: Path, model: GPT, optimizer, cfg: TrainConfig, state: dict) -> None:
    tmp = out / "ckpt.pt.tmp"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": to_dict(cfg),
                "state": state}, tmp)
    os.replace(tmp, out / "ckpt.pt")


def load_model(ckpt_path: Path) -> tuple[GPT, TrainConfig, dict]:
    """A trained model for export/eval/sampling: (model in eval mode, resolved config, counters)."""
    # weights_only=False: torch 1.13's safe unpickler rejects plain floats (optimizer state, config);
    # checkpoints are our own files in our own cache. (torch ≥ 2.6 would default to True.)
    ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    cfg = from_dict(ckpt["config"])
    model = GPT(cfg.model)
    model.load_state_dict(ckpt["model"])
    return model.eval(), cfg, ckpt["state"]


def summary(cfg: TrainConfig, state: dict, total_steps: int) -> dict:
    n = max(1, state["load_average_samples"])
    return {
        "name": cfg.name, "step": state["step"], "total_steps": total_steps,
        "tokens_seen": state["tokens_seen"], "token_budget": cfg.token_budget,
        "wall_time_ms": int(state["wall_time_s"] * 1000), "stretches": state["stretches"],
        "tokens_per_s": round(state["tokens_seen"] / max(1e-9, state["wall_time_s"]), 1),
        "load_average_1m_mean": round(state["load_average_sum"] / n, 2),
        "load_average_1m_max": round(state["load_average_max"], 2),
        "train_loss": state["train_loss"], "val_loss": state["val_loss"],
        "threads": torch.get_num_threads(), "torch": torch.__version__, "data": state["data"],
    }


# ---- the loop -------------------------------------------------------------------------------

def train_step(model, optimizer, cfg: TrainConfig, x, y, lr: float) -> float:
    """One AdamW step on one batch, gradients clipped to `grad_clip` (global L2 norm).

    `model` is the GPT or its DDP wrapper: the loss goes through its forward so DDP averages the
    gradients across ranks during backward."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    logits, _ = model(x)  # (B, T, V)
    loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    optimizer.step()
    return float(loss)


def sample_load_average(state: dict) -> float:
    la = load_average_1m()
    state["load_average_sum"] += la
    state["load_average_samples"] += 1
    state["load_average_max"] = max(state["load_average_max"], la)
    return la


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="teacher")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--data", type=Path, default=cache_dir() / "tokenizer", help="dir with {train,validation}.bin")
    p.add_argument("--out", type=Path, default=None, help="default: <cache>/runs/<name>")
    p.add_argument("--resume", action="store_true", help="continue from <out>/ckpt.pt (start fresh if none)")
    p.add_argument("--restart", action="store_true", help="discard an existing checkpoint")
    p.add_argument("--max-seconds", type=float, default=None, help="stop (checkpointed) after this long")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)

    cfg = with_overrides(PRESETS[args.preset], args.overrides)
    out = args.out or cache_dir() / "runs" / cfg.name
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "ckpt.pt"
    resuming = ckpt_path.exists() and not args.restart
    if resuming and not args.resume:
        raise SystemExit(f"{ckpt_path} exists: pass --resume to continue it or --restart to discard it")
    be_nice(cfg.niceness)
    dist = distributed.setup(torch, args.device, cfg.batch_size)
    args.device = dist.device
    log = JsonLog(out / "log.jsonl") if dist.is_main else (lambda *_a, **_k: None)
    tokens_meta = json.loads((args.data / "tokens.json").read_text())
    assert tokens_meta["vocab_size"] == cfg.model.vocab_size, "tokenizer and model vocab sizes differ"

    torch.manual_seed(cfg.seed)  # the initialisation depends on the seed only (as distill.py); DDP ranks agree
    model = GPT(cfg.model).to(args.device)
    optimizer = make_optimizer(model, cfg)
    state = {"step": 0, "tokens_seen": 0, "wall_time_s": 0.0, "stretches": 0, "load_average_sum": 0.0,
             "load_average_samples": 0, "load_average_max": 0.0, "train_loss": None, "val_loss": None,
             "data": {"tokenizer_sha256": tokens_meta["tokenizer_sha256"],
                      "corpus_content_sha256": tokens_meta["corpus_content_sha256"]}}
    if resuming:
        ckpt = torch.load(ckpt_path, map_location=args.device, weights_only=False)  # our own file; see load_model
        saved = from_dict(ckpt["config"])
        assert saved.model == cfg.model, f"checkpoint model {saved.model} differs from {cfg.model}"
        cfg = with_overrides(saved, args.overrides)  # the checkpoint's resolved config wins
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        assert state["data"]["tokenizer_sha256"] == tokens_meta["tokenizer_sha256"], "tokenizer changed since the checkpoint"
    if cfg.batch_size % dist.world_size:
        raise SystemExit(f"the checkpoint's batch_size {cfg.batch_size} does not split across {dist.world_size} processes")
    state["stretches"] += 1
    if dist.is_main:
        write_json_atomic(out / "config.json", to_dict(cfg))
    try:
        return train_loop(model, optimizer, cfg, state, args, out, log, dist)
    finally:
        distributed.teardown(dist)


def train_loop(model: GPT, optimizer, cfg: TrainConfig, state: dict, args, out: Path, log: JsonLog,
               dist: distributed.Dist = distributed.Dist()) -> dict:
    train_tokens = load_tokens(args.data, "train")
    val_tokens = load_tokens(args.data, "validation")
    T, B = cfg.model.context_length, cfg.batch_size
    total_steps = math.ceil(cfg.token_budget / (B * T))
    log("train.start", name=cfg.name, parameters=model.num_parameters(), step=state["step"],
        total_steps=total_steps, stretch=state["stretches"], threads=torch.get_num_threads(),
        niceness=os.nice(0), world_size=dist.world_size, device=args.device, config=to_dict(cfg))
    step_model = distributed.wrap(torch, model, dist)  # DDP when distributed; `model` stays the plain GPT

    stop = {"signal": None}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: stop.update(signal=signal.Signals(s).name))
    model.train()
    stretch_start = last_ckpt = last_log = time.time()
    wall_at_start = state["wall_time_s"]
    interval_losses: list[float] = []
    interval_tokens = 0

    while state["step"] < total_steps and stop["signal"] is None:
        lr = learning_rate(cfg, state["step"], total_steps)
        # batches depend only on (seed, step): a resumed run sees exactly the data it would have
        # (under torchrun every rank draws the same global batch and keeps its own rows)
        x, y = get_batch(train_tokens, B, T, np.random.default_rng([cfg.seed, 0, state["step"]]))
        x, y = dist.shard(x), dist.shard(y)
        interval_losses.append(train_step(step_model, optimizer, cfg, x.to(args.device), y.to(args.device), lr))
        state["step"] += 1
        state["tokens_seen"] += B * T
        state["wall_time_s"] = wall_at_start + time.time() - stretch_start
        interval_tokens += B * T
        now = time.time()
        last_step = state["step"] == total_steps

        if state["step"] % cfg.log_interval_steps == 0 or last_step:
            la = sample_load_average(state)
            state["train_loss"] = round(distributed.mean(torch, [sum(interval_losses) / len(interval_losses)], dist)[0], 4)
            rate = interval_tokens / max(1e-9, now - last_log)
            log("train.progress", step=state["step"], total_steps=total_steps,
                pct=round(100 * state["step"] / total_steps, 1), loss=state["train_loss"], lr=round(lr, 6),
                tokens_seen=state["tokens_seen"], tokens_per_s=round(rate, 1),
                eta_s=int((total_steps - state["step"]) * B * T / max(rate, 1e-9)), load_average_1m=la)
            interval_losses, interval_tokens, last_log = [], 0, now
        if (state["step"] % cfg.eval_interval_steps == 0 or last_step) and dist.is_main:
            state["val_loss"] = round(validation_loss(model, val_tokens, cfg), 4)
            log("train.eval", step=state["step"], val_loss=state["val_loss"], train_loss=state["train_loss"])
            last_log = time.time()  # keep evaluation time out of the next tokens/s figure
        if args.max_seconds is not None and now - stretch_start >= args.max_seconds:
            stop["signal"] = "max-seconds"
        if dist.enabled and distributed.any_rank(torch, stop["signal"] is not None, dist):
            stop["signal"] = stop["signal"] or "peer-stopped"  # every rank leaves the loop at the same step
        if now - last_ckpt >= cfg.checkpoint_interval_s and dist.is_main:
            save_checkpoint(out, model, optimizer, cfg, state)
            write_json_atomic(out / "train_summary.json", {**summary(cfg, state, total_steps), "world_size": dist.world_size})
            log("train.checkpoint", step=state["step"], path=str(out / "ckpt.pt"))
            last_ckpt = time.time()

    result = {**summary(cfg, state, total_steps), "world_size": dist.world_size}
    if not dist.is_main:
        return result
    save_checkpoint(out, model, optimizer, cfg, state)
    write_json_atomic(out / "train_summary.json", result)
    log("train.stop" if state["step"] < total_steps else "train.done",
        reason=stop["signal"] or "budget", **result)
    return result


if __name__ == "__main__":
    main()
