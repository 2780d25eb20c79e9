"""Test-split perplexity and top-1 next-token accuracy of a checkpoint, beside an add-one-smoothed
bigram baseline on exactly the same predicted tokens.

    /usr/bin/python3 gpu-worker/trainer/evaluate.py --ckpt <cache>/runs/teacher/ckpt.pt \
        [--manifest models/distillgate-teacher/0.1.0/manifest.json] [--max-tokens N]

The split's tokens (documents joined by <|endoftext|>) are cut into consecutive windows of
context+1 tokens overlapping by one, so every token after the first is predicted exactly once,
with up to context-1 tokens of left context. Perplexity = exp(mean negative log-likelihood).
With --manifest, the metrics are written there with this command line.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from config import cache_dir
from manifest import command_line, record_metrics
from runtime import JsonLog, setup_torch
from train import load_model, load_tokens

torch = setup_torch()
F = torch.nn.functional


@torch.no_grad()
def model_scores(model, tokens: np.ndarray, batch_size: int, log: JsonLog) -> tuple[float, int, int]:
    """(sum of NLL in nats, correct top-1 predictions, predicted tokens) over all windows."""
    T = model.cfg.context_length
    starts = list(range(0, len(tokens) - 1, T))
    nll, correct, count = 0.0, 0, 0
    started = time.time()
    for i in range(0, len(starts), batch_size):
        windows = [torch.from_numpy(tokens[s: s + T + 1].astype(np.int64)) for s in starts[i: i + batch_size]]
        for w in ([w for w in windows if len(w) == T + 1], [w for w in windows if len(w) < T + 1]):
            if not w:
                continue
            x = torch.stack(w)  # (B, T+1); the short last window goes alone
            logits, _ = model(x[:, :-1])  # (B, T, V)
            targets = x[:, 1:]
            nll += float(F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="sum"))
            correct += int((logits.argmax(-1) == targets).sum())
            count += targets.numel()
        log("eval.progress", predicted=count, of=len(tokens) - 1, elapsedMs=int(1000 * (time.time() - started)))
    return nll, correct, count


def bigram_perplexity(train: np.ndarray, test: np.ndarray, vocab_size: int) -> float:
    """Add-one (Laplace) smoothing: P(b | a) = (c(a,b) + 1) / (c(a) + V) (Jurafsky & Martin, SLP3 §3.5)."""
    pair_ids = train[:-1].astype(np.int64) * vocab_size + train[1:]
    counts = np.bincount(pair_ids, minlength=vocab_size * vocab_size).astype(np.float64)
    context_counts = counts.reshape(vocab_size, vocab_size).sum(axis=1)
    a, b = test[:-1].astype(np.int64), test[1:].astype(np.int64)
    logp = np.log(counts[a * vocab_size + b] + 1) - np.log(context_counts[a] + vocab_size)
    return float(math.exp(-logp.mean()))


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", type=Path, default=cache_dir() / "runs" / "teacher" / "ckpt.pt")
    p.add_argument("--data", type=Path, default=cache_dir() / "tokenizer", help="dir with {train,test}.bin")
    p.add_argument("--split", default="test")
    p.add_argument("--max-tokens", type=int, default=None, help="evaluate only the first N tokens")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--manifest", type=Path, default=None)
    args = p.parse_args(argv)
    log = JsonLog()

    model, cfg, _ = load_model(args.ckpt)
    meta = json.loads((args.data / "tokens.json").read_text())
    if args.manifest:
        manifest = json.loads(args.manifest.read_text())
        assert manifest["tokenizer_sha256"] == meta["tokenizer_sha256"], "data was tokenized by another tokenizer"
    tokens = np.asarray(load_tokens(args.data, args.split)[: args.max_tokens])
    nll, correct, count = model_scores(model, tokens, args.batch_size, log)
    result = {
        f"{args.split}_perplexity": round(math.exp(nll / count), 4),
        f"{args.split}_top1_accuracy": round(correct / count, 4),
        f"bigram_{args.split}_perplexity": round(bigram_perplexity(load_tokens(args.data, "train"), tokens, cfg.model.vocab_size), 4),
    }
    details = {"split": args.split, "predicted_tokens": count, "tokenizer_sha256": meta["tokenizer_sha256"],
               "corpus_content_sha256": meta["corpus_content_sha256"]}
    log("eval.done", **result, **details)
    if args.manifest:
        record_metrics(args.manifest, result, command_line(__file__, argv), details)
    return {**result, **details}


if __name__ == "__main__":
    main()
