"""Process setup shared by the trainer's commands: threads, niceness, JSON-line logs, file hashes."""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import IO


def setup_torch(seed: int | None = None):
    """Import torch using every core (DESIGN.md §4: the BLAS is libopenblas0-pthread)."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    if seed is not None:
        torch.manual_seed(seed)
    return torch


def be_nice(niceness: int) -> None:
    """Raise this process's niceness to at least `niceness` (what `nice -n` would do)."""
    current = os.nice(0)
    if niceness > current:
        os.nice(niceness - current)


def load_average_1m() -> float:
    return os.getloadavg()[0]


class JsonLog:
    """Structured progress: one JSON object per line, to stdout and (optionally) a file."""

    def __init__(self, path: Path | None = None, stream: IO[str] = sys.stdout):
        self.stream = stream
        self.file = open(path, "a", encoding="utf-8") if path else None

    def __call__(self, event: str, **fields) -> None:
        line = json.dumps({"t": round(time.time(), 3), "event": event, **fields}, separators=(",", ":"))
        print(line, file=self.stream, flush=True)
        if self.file:
            self.file.write(line + "\n")
            self.file.flush()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json_atomic(path: Path, value) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
