"""Knowledge distillation end to end at toy size (~30 s on 2 idle cores): corpus slice → BPE (512) →
teacher (smoke preset, trained long enough to beat the student) → teacher top-k shards (kd_data.py
score) → distill.py interrupted by --max-seconds and resumed, beside an uninterrupted reference run
→ export.py of the student → kd_eval.py (trained student and its initialisation vs the teacher) →
shard sets that must be refused, and an index.json (the TS writer's) that selects shards.

    /usr/bin/python3 gpu-worker/trainer/kd_smoke.py [--out DIR]     (default: a new temp dir)

DIR/kd_smoke.json holds every number; gpu-worker/trainer/test/distill.test.ts runs this and checks it.
The student is the smoke preset with one layer (87k parameters; the teacher has two, 137k).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import bpe
import corpus
import distill
import export
import kd_data
import kd_eval
import train
from config import SMOKE
from runtime import JsonLog, write_json_atomic

TEACHER_STEPS = 160
STUDENT_STEPS = 120
SHARD_SEQUENCES = 128  # per shard; 2 shards × 128 × 64 = 16,384 positions: 3.75 epochs of student training
SHARDS = 2
K = 20


def refused(argv: list[str]) -> str | None:
    """distill.py's refusal message for these arguments, or None when it would have trained."""
    try:
        distill.main(argv)
    except SystemExit as e:
        return str(e)
    return None


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--docs-per-source", type=int, default=60)
    args = p.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="distillgate-kd-smoke-"))
    out.mkdir(parents=True, exist_ok=True)
    log = JsonLog()
    timings: dict[str, int] = {}
    started = time.time()

    def step(name: str, fn, argv: list[str]):
        t0 = time.time()
        result = fn(argv)
        timings[name] = int(1000 * (time.time() - t0))
        log("kd_smoke.step", step=name, elapsedMs=timings[name])
        return result

    corpus_dir, tok, teacher_run, teacher_dir = out / "corpus", out / "tokenizer", out / "teacher-run", out / "teacher"
    shards, run, ref = out / "shards", out / "run", out / "run-uninterrupted"
    T, B = SMOKE.model.context_length, SMOKE.batch_size
    step("corpus", corpus.main, ["--out", str(corpus_dir), "--max-docs-per-source", str(args.docs_per_source)])
    step("tokenizer", bpe.main, ["--corpus", str(corpus_dir), "--out", str(tok), "--vocab-size",
                                 str(SMOKE.model.vocab_size), "--context-length", str(T)])
    teacher = step("teacher", train.main, ["--preset", "smoke", "--data", str(tok), "--out", str(teacher_run), "--restart",
                                           "--set", f"token_budget={TEACHER_STEPS * B * T}", "--set", "eval_interval_steps=1000"])
    step("teacher_export", export.main, ["--ckpt", str(teacher_run / "ckpt.pt"), "--tokenizer", str(tok), "--out",
                                         str(teacher_dir), "--name", "smoke-teacher", "--version", "0.0.0"])
    manifest = teacher_dir / "manifest.json"
    step("score", kd_data.main, ["score", "--teacher-ckpt", str(teacher_run / "ckpt.pt"), "--data", str(tok),
                                 "--manifest", str(manifest), "--out", str(shards), "--seq-len", str(T), "--k", str(K),
                                 "--tokens", str(SHARDS * SHARD_SEQUENCES * T), "--shard-tokens", str(SHARD_SEQUENCES * T)])

    common = ["--preset", "smoke", "--shards", str(shards), "--data", str(tok), "--teacher-manifest", str(manifest),
              "--set", "model.n_layer=1", "--set", f"token_budget={STUDENT_STEPS * B * T}",
              "--set", "kd.checkpoint_interval_steps=50"]
    first = step("distill", distill.main, [*common, "--out", str(run), "--restart", "--max-seconds", "0.5"])
    assert first["step"] < first["total_steps"], f"the 0.5 s stretch finished the whole run: {first}"
    resumed = step("distill_resume", distill.main, [*common, "--out", str(run), "--resume"])
    reference = step("distill_uninterrupted", distill.main, [*common, "--out", str(ref), "--restart"])
    step("student_export", export.main, ["--ckpt", str(run / "ckpt.pt"), "--tokenizer", str(tok), "--out",
                                         str(out / "student"), "--name", "smoke-student-kd", "--version", "0.0.0",
                                         "--parent", "smoke-teacher@0.0.0"])
    evaluation = step("kd_eval", kd_eval.main, ["--student", str(run / "ckpt.pt"), "--teacher-ckpt",
                                                str(teacher_run / "ckpt.pt"), "--data", str(tok), "--init",
                                                "--split", "test", "--max-tokens", "4096"])

    # shard sets distill.py must refuse, each a copy of the good one with one thing wrong
    bad: dict[str, Path] = {}
    for name in ("sha256", "size", "tokenizer", "mixed_k"):
        bad[name] = out / f"shards-bad-{name}"
        shutil.copytree(shards, bad[name])
    with open(bad["sha256"] / "shard-00001.bin", "r+b") as f:  # flip one bit of the last logprob
        f.seek(-1, 2)
        last = f.read(1)
        f.seek(-1, 2)
        f.write(bytes([last[0] ^ 0x01]))
    with open(bad["size"] / "shard-00001.bin", "r+b") as f:
        f.truncate(f.seek(0, 2) - 2)
    header_path = bad["tokenizer"] / "shard-00001.json"
    header = json.loads(header_path.read_text())
    header["teacher"]["tokenizer_sha256"] = "0" * 64
    write_json_atomic(header_path, header)
    s0 = kd_data.read_shard(shards / "shard-00000.json")
    kd_data.write_shard(bad["mixed_k"], SHARDS, input_ids=np.asarray(s0.input).reshape(-1),
                        target=np.asarray(s0.target).reshape(-1), ids=np.asarray(s0.ids[:, :, :10]).reshape(-1, 10),
                        logprobs=np.asarray(s0.logprobs[:, :, :10]).reshape(-1, 10), seq_len=T, source="corpus-train",
                        teacher=s0.header["teacher"])
    refusals = {name: refused([*common, "--out", str(out / f"run-bad-{name}"), "--restart", "--shards", str(path)])
                for name, path in bad.items()}
    tokenizer_sha256 = kd_data.expected_tokenizer_sha256(manifest)

    # the TS teacher stage's index.json: only listed shards count, at the sha256 it promises
    indexed = out / "shards-indexed"
    shutil.copytree(shards, indexed)
    entry = {"name": "shard-00000", "source": "corpus-train", "first": 0, "count": SHARD_SEQUENCES,
             "sha256": s0.header["sha256"], "padded": 0, "scoringMs": 0}
    write_json_atomic(indexed / "index.json", {"format": kd_data.INDEX_FORMAT, "shards": [entry]})
    index_positions = kd_data.open_shards(indexed, tokenizer_sha256=tokenizer_sha256).positions
    write_json_atomic(indexed / "index.json", {"format": kd_data.INDEX_FORMAT, "shards": [{**entry, "sha256": "0" * 64}]})
    try:
        kd_data.open_shards(indexed, tokenizer_sha256=tokenizer_sha256)
        index_refusal = None
    except kd_data.ShardError as e:
        index_refusal = str(e)

    result = {
        "out": str(out), "run_dir": str(run), "log": str(run / "log.jsonl"), "shards_dir": str(shards),
        "student_dir": str(out / "student"), "teacher_manifest": str(manifest),
        "bad_shards": {name: str(path) for name, path in bad.items()},
        "tokenizer_sha256": tokenizer_sha256,
        "teacher": {"val_loss": teacher["val_loss"], "steps": teacher["step"]},
        "shards": kd_data.open_shards(shards, tokenizer_sha256=tokenizer_sha256).describe(),
        "first": first, "resumed": resumed, "uninterrupted": reference, "eval": evaluation, "refusals": refusals,
        "index": {"listed_positions": index_positions, "refusal": index_refusal},
        "timingsMs": {**timings, "total": int(1000 * (time.time() - started))},
    }
    write_json_atomic(out / "kd_smoke.json", result)
    log("kd_smoke.done", out=str(out), totalMs=result["timingsMs"]["total"])
    return result


if __name__ == "__main__":
    main()
