"""Teacher-output shards for knowledge distillation: the format, its reader, and a torch writer.

A shard set is a directory of pairs `shard-00000.bin` + `shard-00000.json`. The .bin holds four
little-endian arrays back to back, N positions each (N = sequences × seq_len):

    input     int32   [N]      token fed to the model at each position
    target    int32   [N]      the next token (input[i+1] == target[i] inside a sequence)
    ids       int32   [N, k]   the teacher's top-k next-token ids, most likely first
    logprobs  float16 [N, k]   their raw log-probabilities at T=1 (log-softmax of the logits)

Each sequence is seq_len consecutive positions of one text, scored from its first token (position
0), so the student sees the same left context the teacher did. A row with fewer than k alternatives
is padded with logprob −65504 and ids not otherwise in the row. The .json header:

    {"format": "distillgate-kd-shard/1", "n": N, "k": k, "seq_len": S, "sequences": N/S,
     "sha256": <hex of the .bin>, "source": "corpus-train" | "continuation",
     "teacher": {"model", "version", "tokenizer_sha256", "base_url"}, "created_at": ISO-8601}

`open_shards` verifies every shard (header fields, .bin size and sha256, finite logprobs, ids in
the vocabulary, input/target continuity) and refuses a set that mixes k, seq_len, teachers or
tokenizers, or whose tokenizer is not the student's. The TypeScript distillation job
(packages/distill) writes shards from a pool member's /v1/completions logprobs; `score` below
writes the same format from a local torch checkpoint (tests, and runs without a pool):

    /usr/bin/python3 gpu-worker/trainer/kd_data.py score --teacher-ckpt <cache>/runs/teacher/ckpt.pt \
        --out <cache>/kd-shards --tokens 4000000          # resumable: finished shards are kept
    /usr/bin/python3 gpu-worker/trainer/kd_data.py verify <cache>/kd-shards [--manifest M]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config import cache_dir
from manifest import now_iso
from runtime import JsonLog, sha256_file, write_json_atomic

FORMAT = "distillgate-kd-shard/1"
INDEX_FORMAT = "distillgate-kd-index/1"
# Rows with fewer than k teacher alternatives are padded with this logprob (float16's lowest finite
# value) and unused ids; anything at or below PAD_LOGPROB_MAX is padding, never a real log-probability.
PAD_LOGPROB = -65504.0
PAD_LOGPROB_MAX = -1e4
SOURCES = ("corpus-train", "continuation")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEACHER_MANIFEST = REPO_ROOT / "models" / "distillgate-teacher" / "0.1.0" / "manifest.json"


class ShardError(ValueError):
    """A shard (or shard set) that must not be trained on."""


def shard_bytes(n: int, k: int) -> int:
    return n * 4 + n * 4 + n * k * 4 + n * k * 2


def shard_name(index: int) -> str:
    return f"shard-{index:05d}"


# ---- writing --------------------------------------------------------------------------------

def write_shard(out_dir: Path, index: int, *, input_ids: np.ndarray, target: np.ndarray, ids: np.ndarray,
                logprobs: np.ndarray, seq_len: int, source: str, teacher: dict, created_at: str | None = None) -> dict:
    """Write shard `index` (the .bin first, then the header, each atomically); returns the header."""
    n, k = ids.shape
    assert input_ids.shape == (n,) and target.shape == (n,) and logprobs.shape == (n, k), "shapes differ"
    assert n % seq_len == 0, f"{n} positions are not whole sequences of {seq_len}"
    assert source in SOURCES, source
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = [np.ascontiguousarray(input_ids, dtype="<i4"), np.ascontiguousarray(target, dtype="<i4"),
             np.ascontiguousarray(ids, dtype="<i4"), np.ascontiguousarray(logprobs, dtype="<f2")]
    blob = b"".join(p.tobytes() for p in parts)
    base = out_dir / shard_name(index)
    tmp = base.with_suffix(".bin.tmp")
    tmp.write_bytes(blob)
    os.replace(tmp, base.with_suffix(".bin"))
    header = {"format": FORMAT, "n": int(n), "k": int(k), "seq_len": int(seq_len), "sequences": int(n // seq_len),
              "sha256": hashlib.sha256(blob).hexdigest(), "source": source,
              "teacher": {key: teacher.get(key) for key in ("model", "version", "tokenizer_sha256", "base_url")},
              "created_at": created_at or now_iso()}
    write_json_atomic(base.with_suffix(".json"), header)
    return header


# ---- reading --------------------------------------------------------------------------------

@dataclass
class Shard:
    path: Path  # the .bin
    header: dict
    input: np.ndarray  # (sequences, S) int32, memory-mapped
    target: np.ndarray  # (sequences, S) int32
    ids: np.ndarray  # (sequences, S, k) int32
    logprobs: np.ndarray  # (sequences, S, k) float16


def _map(path: Path, n: int, k: int, S: int) -> tuple[np.ndarray, ...]:
    seqs = n // S
    offset, arrays = 0, []
    for dtype, shape in (("<i4", (seqs, S)), ("<i4", (seqs, S)), ("<i4", (seqs, S, k)), ("<f2", (seqs, S, k))):
        arrays.append(np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape))
        offset += int(np.prod(shape)) * np.dtype(dtype).itemsize
    return tuple(arrays)


def read_shard(json_path: Path, *, verify_sha256: bool = True, vocab_size: int | None = None) -> Shard:
    """One shard, checked; raises ShardError naming the file and what is wrong."""
    def bad(why: str) -> ShardError:
        return ShardError(f"{json_path.name}: {why}")

    try:
        h = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise bad(f"unreadable header ({e})") from e
    if h.get("format") != FORMAT:
        raise bad(f"format {h.get('format')!r}, expected {FORMAT!r}")
    for key in ("n", "k", "seq_len", "sequences"):
        if not isinstance(h.get(key), int) or h[key] <= 0:
            raise bad(f"{key} must be a positive integer, got {h.get(key)!r}")
    n, k, S = h["n"], h["k"], h["seq_len"]
    if h["sequences"] * S != n:
        raise bad(f"sequences × seq_len = {h['sequences']} × {S} ≠ n = {n}")
    if h.get("source") not in SOURCES:
        raise bad(f"source {h.get('source')!r} is not one of {SOURCES}")
    teacher = h.get("teacher")
    if not isinstance(teacher, dict) or not isinstance(teacher.get("tokenizer_sha256"), str):
        raise bad("teacher.tokenizer_sha256 missing")
    bin_path = json_path.with_suffix(".bin")
    if not bin_path.exists():
        raise bad(f"{bin_path.name} missing")
    size = bin_path.stat().st_size
    if size != shard_bytes(n, k):
        raise bad(f"{bin_path.name} has {size} bytes; n={n}, k={k} needs {shard_bytes(n, k)}")
    if verify_sha256:
        digest = sha256_file(bin_path)
        if digest != h.get("sha256"):
            raise bad(f"sha256 of {bin_path.name} is {digest}, header says {h.get('sha256')}")
    inp, tgt, ids, lps = _map(bin_path, n, k, S)
    if S > 1 and not np.array_equal(inp[:, 1:], tgt[:, :-1]):
        raise bad("input[i+1] ≠ target[i] inside a sequence (positions out of order?)")
    if not np.isfinite(lps).all():
        raise bad("logprobs contain NaN or ±inf")
    if float(lps.max()) > 1e-2:
        raise bad(f"logprobs must be ≤ 0, max is {float(lps.max())}")
    if vocab_size is not None:
        for name, arr in (("input", inp), ("target", tgt), ("ids", ids)):
            lo, hi = int(arr.min()), int(arr.max())
            if lo < 0 or hi >= vocab_size:
                raise bad(f"{name} ids span [{lo}, {hi}], outside the vocabulary of {vocab_size}")
    return Shard(bin_path, h, inp, tgt, ids, lps)


class ShardSet:
    """Every shard of a directory as one indexable pool of sequences."""

    def __init__(self, shards: list[Shard]):
        self.shards = shards
        self.k = shards[0].header["k"]
        self.seq_len = shards[0].header["seq_len"]
        self.teacher = shards[0].header["teacher"]
        counts = np.array([s.header["sequences"] for s in shards], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(counts)])  # sequence index of each shard's first
        self.sequences = int(self.starts[-1])
        self.positions = self.sequences * self.seq_len

    def batch(self, seq_indices: np.ndarray, k: int | None = None) -> tuple[np.ndarray, ...]:
        """(input (B,S), target (B,S), ids (B,S,k), logprobs (B,S,k) float32) for these sequences."""
        k = k or self.k
        which = np.searchsorted(self.starts, seq_indices, side="right") - 1
        rows = [(self.shards[w], int(i - self.starts[w])) for w, i in zip(which, seq_indices)]
        inp = np.stack([s.input[j] for s, j in rows]).astype(np.int64)
        tgt = np.stack([s.target[j] for s, j in rows]).astype(np.int64)
        ids = np.stack([s.ids[j, :, :k] for s, j in rows]).astype(np.int64)
        lps = np.stack([s.logprobs[j, :, :k] for s, j in rows]).astype(np.float32)
        srt = np.sort(ids, axis=-1)
        if (srt[..., 1:] == srt[..., :-1]).any():
            names = sorted({s.path.name for s, _ in rows})
            raise ShardError(f"a position lists the same teacher id twice (in one of {names})")
        return inp, tgt, ids, lps

    def describe(self) -> dict:
        return {"shards": len(self.shards), "sequences": self.sequences, "positions": self.positions, "k": self.k,
                "seq_len": self.seq_len, "teacher": self.teacher,
                "sources": sorted({s.header["source"] for s in self.shards}),
                "sha256": hashlib.sha256("".join(s.header["sha256"] for s in self.shards).encode()).hexdigest()}


def listed_shards(directory: Path) -> tuple[list[Path], dict[str, str]]:
    """The shard headers to train on, and the sha256 an index promises for each.

    With the TS teacher stage's `index.json` ({"format": "distillgate-kd-index/1", "shards": [{"name",
    "sha256", …}]}, packages/distill/src/shards/shard-set.ts), exactly the shards it lists: it lists a
    shard only once both files are in place, and deletes unlisted ones when it reopens the folder.
    Without one (kd_data.py score), every shard-*.json, and a .bin without its header is refused."""
    index_path = directory / "index.json"
    if index_path.exists():
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index.get("format") != INDEX_FORMAT:
            raise ShardError(f"{index_path}: format {index.get('format')!r}, expected {INDEX_FORMAT!r}")
        promised = {e["name"]: e["sha256"] for e in index["shards"]}
        headers = sorted(directory / f"{name}.json" for name in promised)
        missing = [p.name for p in headers if not p.exists()]
        if missing:
            raise ShardError(f"{index_path} lists shards whose header is missing: {missing[:3]}")
        return headers, promised
    headers = sorted(directory.glob("shard-*.json"))
    orphans = sorted({p.stem for p in directory.glob("shard-*.bin")} - {p.stem for p in headers})
    if orphans:
        raise ShardError(f"{directory}: .bin without a header: {orphans[:3]} (a writer still running?)")
    return headers, {}


def open_shards(directory: Path, *, tokenizer_sha256: str, vocab_size: int | None = None,
                verify_sha256: bool = True) -> ShardSet:
    """All shards in `directory`, verified, as one set; refuses anything not trainable together."""
    headers, promised = listed_shards(directory)
    if not headers:
        raise ShardError(f"no shards in {directory}")
    shards = [read_shard(p, verify_sha256=verify_sha256, vocab_size=vocab_size) for p in headers]
    for s in shards:
        name = s.path.stem
        if name in promised and promised[name] != s.header["sha256"]:
            raise ShardError(f"{name}.json: sha256 {s.header['sha256']}, index.json says {promised[name]}")
    first = shards[0].header
    for s in shards:
        h = s.header
        if h["teacher"]["tokenizer_sha256"] != tokenizer_sha256:
            raise ShardError(f"{s.path.name}: teacher tokenizer_sha256 {h['teacher']['tokenizer_sha256']} is not the "
                             f"student's {tokenizer_sha256}")
        for key in ("k", "seq_len"):
            if h[key] != first[key]:
                raise ShardError(f"mixed {key}: {shards[0].path.name} has {first[key]}, {s.path.name} has {h[key]}")
        ident = lambda hh: (hh["teacher"].get("model"), hh["teacher"].get("version"))  # noqa: E731
        if ident(h) != ident(first):
            raise ShardError(f"mixed teachers: {ident(first)} in {shards[0].path.name}, {ident(h)} in {s.path.name}")
    return ShardSet(shards)


def expected_tokenizer_sha256(manifest: Path) -> str:
    """The student's tokenizer is its teacher's: the manifest's tokenizer_sha256."""
    return json.loads(manifest.read_text(encoding="utf-8"))["tokenizer_sha256"]


# ---- a writer from a torch checkpoint -------------------------------------------------------

def score(argv: list[str]) -> dict:
    p = argparse.ArgumentParser(prog="kd_data.py score", description="teacher top-k logprobs of random training "
                                "windows (seeded), written as shards; rerun to resume")
    p.add_argument("--teacher-ckpt", type=Path, default=cache_dir() / "runs" / "teacher" / "ckpt.pt")
    p.add_argument("--data", type=Path, default=cache_dir() / "tokenizer", help="dir with <split>.bin, tokens.json")
    p.add_argument("--manifest", type=Path, default=DEFAULT_TEACHER_MANIFEST, help="teacher manifest (name, version)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--split", default="train")
    p.add_argument("--tokens", type=int, default=4_000_000, help="positions to score in all")
    p.add_argument("--seq-len", type=int, default=None, help="default: the teacher's context length")
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--shard-tokens", type=int, default=262_144, help="positions per shard (rounded to sequences)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--device", default=None)
    args = p.parse_args(argv)

    from runtime import setup_torch
    torch = setup_torch()
    from train import load_model, load_tokens

    log = JsonLog(stream=sys.stderr)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    model, cfg, state = load_model(args.teacher_ckpt)
    model.to(device)
    meta = json.loads((args.data / "tokens.json").read_text())
    tok_sha = meta["tokenizer_sha256"]
    if state["data"]["tokenizer_sha256"] != tok_sha:
        raise SystemExit(f"{args.teacher_ckpt} was trained with tokenizer {state['data']['tokenizer_sha256']}, "
                         f"{args.data} is tokenized by {tok_sha}")
    manifest = json.loads(args.manifest.read_text()) if args.manifest.exists() else {}
    if manifest and manifest["tokenizer_sha256"] != tok_sha:
        raise SystemExit(f"{args.manifest} names tokenizer {manifest['tokenizer_sha256']}, the data uses {tok_sha}")
    teacher = {"model": manifest.get("name", cfg.name), "version": manifest.get("version", "ckpt-step-" + str(state["step"])),
               "tokenizer_sha256": tok_sha, "base_url": f"torch:{args.teacher_ckpt}"}
    S = args.seq_len or cfg.model.context_length
    assert S <= cfg.model.context_length, f"seq_len {S} > teacher context {cfg.model.context_length}"
    tokens = load_tokens(args.data, args.split)
    n_seq = -(-args.tokens // S)
    per_shard = max(1, args.shard_tokens // S)
    starts = np.random.default_rng([args.seed, 3]).integers(0, len(tokens) - S - 1, size=n_seq)
    args.out.mkdir(parents=True, exist_ok=True)
    started, scored = time.time(), 0
    n_shards = -(-n_seq // per_shard)
    for index in range(n_shards):
        chunk = starts[index * per_shard: (index + 1) * per_shard]
        header_path = args.out / (shard_name(index) + ".json")
        if header_path.exists():
            h = read_shard(header_path, verify_sha256=False).header
            if h["sequences"] == len(chunk) and h["seq_len"] == S and h["k"] == args.k:
                log("kd_score.kept", shard=index, sequences=h["sequences"])
                continue
        windows = np.stack([tokens[s: s + S + 1].astype(np.int64) for s in chunk])  # (n, S+1)
        ids_out, lp_out = [], []
        with torch.no_grad():
            for b in range(0, len(windows), args.batch_size):
                x = torch.from_numpy(windows[b: b + args.batch_size, :-1]).to(device)
                logits, _ = model(x)
                top = torch.topk(torch.log_softmax(logits.float(), dim=-1), args.k, dim=-1)  # sorted, most likely first
                ids_out.append(top.indices.cpu().numpy())
                lp_out.append(top.values.cpu().numpy())
        write_shard(args.out, index, input_ids=windows[:, :-1].reshape(-1), target=windows[:, 1:].reshape(-1),
                    ids=np.concatenate(ids_out).reshape(-1, args.k), logprobs=np.concatenate(lp_out).reshape(-1, args.k),
                    seq_len=S, source="corpus-train", teacher=teacher)
        scored += len(chunk) * S
        rate = scored / max(1e-9, time.time() - started)
        log("kd_score.progress", shard=index + 1, of=n_shards, positions=scored, tokens_per_s=round(rate, 1),
            eta_s=int((n_shards - index - 1) * per_shard * S / max(rate, 1e-9)))
    result = {"out": str(args.out), "shards": n_shards, "positions": n_seq * S, "seq_len": S, "k": args.k,
              "teacher": teacher, "elapsedMs": int(1000 * (time.time() - started))}
    print(json.dumps(result), flush=True)
    return result


def verify(argv: list[str]) -> dict:
    p = argparse.ArgumentParser(prog="kd_data.py verify")
    p.add_argument("shards", type=Path)
    p.add_argument("--manifest", type=Path, default=DEFAULT_TEACHER_MANIFEST, help="whose tokenizer_sha256 to expect")
    p.add_argument("--vocab-size", type=int, default=None)
    args = p.parse_args(argv)
    try:
        result = open_shards(args.shards, tokenizer_sha256=expected_tokenizer_sha256(args.manifest),
                             vocab_size=args.vocab_size).describe()
    except ShardError as e:
        raise SystemExit(f"refused: {e}") from e
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"score": score, "verify": verify}
    if not argv or argv[0] not in commands:
        raise SystemExit(__doc__)
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main()
