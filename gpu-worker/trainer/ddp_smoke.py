"""train.py and distill.py under torchrun (DDP, gloo on CPU) beside the same runs in one process, at toy
size (~30 s on 2 idle cores): corpus slice → BPE (512) → train.py smoke preset in two stretches
(20 steps, then resumed to 40), once in this process and once under torchrun
(`torchrun_compat.py --nproc_per_node 2`) → teacher top-k shards from the single-process checkpoint → distill.py likewise.

    /usr/bin/python3 gpu-worker/trainer/ddp_smoke.py [--out DIR] [--nproc 2]

Each rank takes half of every global batch and DDP averages the gradients, so the DDP weights must
match the single-process weights up to float summation order. DIR/ddp_smoke.json holds what
gpu-worker/trainer/test/ddp.test.ts checks: weight differences, losses, which files rank 0 wrote,
and that only rank 0 logged.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bpe
import corpus
import distill
import kd_data
import train
from config import SMOKE
from runtime import JsonLog, setup_torch, write_json_atomic

torch = setup_torch()
HERE = Path(__file__).resolve().parent
B, T = SMOKE.batch_size, SMOKE.model.context_length
FULL = SMOKE.token_budget  # 40 steps
STUDENT_STEPS = 30


def torchrun(script: str, argv: list[str], nproc: int) -> dict:
    """Runs `script` under torch.distributed.run (torchrun) on CPU; returns what rank 0 printed last, if JSON."""
    # torchrun_compat.py is `python3 -m torch.distributed.run`, patched where torch 1.13 meets Python ≥ 3.11
    cmd = [sys.executable, str(HERE / "torchrun_compat.py"), "--standalone", f"--nproc_per_node={nproc}",
           str(HERE / script), *argv, "--device", "cpu"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(cmd, cwd=HERE, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}\n{done.stderr[-4000:]}")
    return {"stdout": done.stdout, "stderr": done.stderr}


def weights_gap(a: Path, b: Path) -> float:
    """Largest absolute difference between two checkpoints' weights."""
    sa = torch.load(a, map_location="cpu", weights_only=False)["model"]
    sb = torch.load(b, map_location="cpu", weights_only=False)["model"]
    assert sa.keys() == sb.keys(), "the checkpoints hold different tensors"
    return max(float((sa[k].float() - sb[k].float()).abs().max()) for k in sa)


def log_events(path: Path) -> list[str]:
    return [json.loads(line)["event"] for line in path.read_text().splitlines()]


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--nproc", type=int, default=2)
    args = p.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="distillgate-ddp-smoke-"))
    out.mkdir(parents=True, exist_ok=True)
    log = JsonLog()
    started = time.time()
    tok = out / "tokenizer"
    corpus.main(["--out", str(out / "corpus"), "--max-docs-per-source", "60"])
    bpe.main(["--corpus", str(out / "corpus"), "--out", str(tok), "--vocab-size", str(SMOKE.model.vocab_size),
              "--context-length", str(T)])

    # train.py: two stretches each way (the second resumes rank 0's checkpoint on every rank)
    single, ddp = out / "train-single", out / "train-ddp"
    stretches = [["--restart", "--set", f"token_budget={FULL // 2}"], ["--resume", "--set", f"token_budget={FULL}"]]
    for extra in stretches:
        common = ["--preset", "smoke", "--data", str(tok), *extra]
        single_result = train.main([*common, "--out", str(single), "--device", "cpu"])
        torchrun("train.py", [*common, "--out", str(ddp)], args.nproc)
    ddp_summary = json.loads((ddp / "train_summary.json").read_text())
    log("ddp_smoke.train", single_val_loss=single_result["val_loss"], ddp_val_loss=ddp_summary["val_loss"])

    # distill.py on shards scored by the single-process model, one stretch each way
    manifest = out / "teacher-manifest.json"
    tokenizer_sha256 = json.loads((tok / "tokens.json").read_text())["tokenizer_sha256"]
    write_json_atomic(manifest, {"name": "ddp-smoke-teacher", "version": "0.0.0", "tokenizer_sha256": tokenizer_sha256})
    kd_data.main(["score", "--teacher-ckpt", str(single / "ckpt.pt"), "--data", str(tok), "--manifest", str(manifest),
                  "--out", str(out / "shards"), "--seq-len", str(T), "--k", "8", "--tokens", str(64 * T), "--device", "cpu"])
    kd_single, kd_ddp = out / "distill-single", out / "distill-ddp"
    kd_common = ["--preset", "smoke", "--shards", str(out / "shards"), "--data", str(tok), "--teacher-manifest",
                 str(manifest), "--set", "model.n_layer=1", "--set", f"token_budget={STUDENT_STEPS * B * T}",
                 "--set", "kd.k=8", "--restart"]
    kd_single_result = distill.main([*kd_common, "--out", str(kd_single), "--device", "cpu"])
    kd_ddp_run = torchrun("distill.py", [*kd_common, "--out", str(kd_ddp)], args.nproc)
    kd_ddp_summary = json.loads((kd_ddp / "train_summary.json").read_text())

    result = {
        "out": str(out), "nproc": args.nproc, "torch": torch.__version__,
        "train": {
            "single": {"step": single_result["step"], "val_loss": single_result["val_loss"],
                       "train_loss": single_result["train_loss"], "stretches": single_result["stretches"]},
            "ddp": {"step": ddp_summary["step"], "val_loss": ddp_summary["val_loss"], "train_loss": ddp_summary["train_loss"],
                    "stretches": ddp_summary["stretches"], "world_size": ddp_summary["world_size"],
                    "tokens_seen": ddp_summary["tokens_seen"]},
            "weights_max_abs_diff": weights_gap(single / "ckpt.pt", ddp / "ckpt.pt"),
            "ddp_files": sorted(f.name for f in ddp.iterdir()),
            "ddp_log_events": log_events(ddp / "log.jsonl"),
        },
        "distill": {
            "single": {"step": kd_single_result["step"], "val_loss": kd_single_result["val_loss"],
                       "train_loss": kd_single_result["train_loss"]},
            "ddp": {"step": kd_ddp_summary["step"], "val_loss": kd_ddp_summary["val_loss"],
                    "train_loss": kd_ddp_summary["train_loss"], "world_size": kd_ddp_summary["world_size"]},
            "weights_max_abs_diff": weights_gap(kd_single / "ckpt.pt", kd_ddp / "ckpt.pt"),
            "ddp_files": sorted(f.name for f in kd_ddp.iterdir()),
            "ddp_log_events": log_events(kd_ddp / "log.jsonl"),
            "ddp_stdout_summaries": sum(1 for line in kd_ddp_run["stdout"].splitlines() if '"method"' in line),
        },
        "elapsedMs": int(1000 * (time.time() - started)),
    }
    write_json_atomic(out / "ddp_smoke.json", result)
    log("ddp_smoke.done", out=str(out), elapsedMs=result["elapsedMs"])
    return result


if __name__ == "__main__":
    main()
