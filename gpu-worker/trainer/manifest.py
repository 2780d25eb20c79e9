"""manifest.json for a model directory (DESIGN.md §3): identity, sizes, hashes, metrics.

Written by export.py; evaluate.py adds metrics, each with the command that measured it.
After changing files in the directory (e.g. adding model.int8.onnx), refresh the hashes with

    /usr/bin/python3 gpu-worker/trainer/manifest.py <model dir> [--quantization '{"method": ...}']
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

from runtime import sha256_file, write_json_atomic

# A plain-text chat layout in Hugging Face's Jinja form (`chat_template`, as in tokenizer_config.json).
# These are small base models trained on prose: the template only frames turns as "role: text" lines.
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)
MODEL_FILES = ("model.onnx", "model.int8.onnx", "tokenizer.json", "tokenizer_config.json")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def file_entries(model_dir: Path) -> dict:
    return {f: {"sha256": sha256_file(model_dir / f), "bytes": (model_dir / f).stat().st_size}
            for f in MODEL_FILES if (model_dir / f).exists()}


def write_manifest(model_dir: Path, *, name: str, version: str, parent: str | None, model, cfg, training: dict) -> dict:
    m = cfg.model
    files = file_entries(model_dir)
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    (eot,) = [t for t in tok["added_tokens"] if t["special"]]
    manifest = {
        "name": name,
        "version": version,
        "parent": parent,
        "created_at": now_iso(),
        "parameter_count": model.num_parameters(),  # embeddings included, tied head counted once
        "context_length": m.context_length,
        "vocab_size": m.vocab_size,
        "eos_token_id": eot["id"],
        "architecture": {"model_type": "gpt2", "n_layer": m.n_layer, "n_head": m.n_head, "n_embd": m.d_model,
                         "head_dim": m.d_model // m.n_head, "n_positions": m.context_length,
                         "activation_function": "gelu_new", "positions": "learned-absolute",
                         "tie_word_embeddings": True},
        "onnx": {"opset": 17, "layout": "optimum-decoder-with-past", "past_key_values_dtype": "float32"},
        "files": files,
        "tokenizer_sha256": files["tokenizer.json"]["sha256"],
        "chat_template": CHAT_TEMPLATE,
        "quantization": None,
        "training": training,
        "metrics": {},
    }
    write_json_atomic(model_dir / "manifest.json", manifest)
    return manifest


def command_line(script: str, argv: list[str] | None) -> str:
    """The command that measured something, as a shell line from the repository root."""
    args = sys.argv[1:] if argv is None else argv
    return shlex.join([sys.executable, f"gpu-worker/trainer/{Path(script).name}", *args])


def record_metrics(manifest_path: Path, metrics: dict[str, float], command: str, details: dict | None = None) -> dict:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for key, value in metrics.items():
        manifest["metrics"][key] = {"value": value, "command": command, "measured_at": now_iso(), **(details or {})}
    write_json_atomic(manifest_path, manifest)
    return manifest


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir", type=Path)
    p.add_argument("--quantization", type=json.loads, default=None, help="JSON, e.g. {\"method\":\"int8-matmulinteger\"}")
    args = p.parse_args(argv)
    path = args.model_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"] = file_entries(args.model_dir)
    manifest["tokenizer_sha256"] = manifest["files"]["tokenizer.json"]["sha256"]
    if args.quantization is not None:
        manifest["quantization"] = args.quantization
    write_json_atomic(path, manifest)
    return manifest


if __name__ == "__main__":
    main()
