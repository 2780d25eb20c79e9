"""Export a checkpoint to ONNX (opset 17) in the Hugging Face Optimum decoder-with-past layout.

    /usr/bin/python3 gpu-worker/trainer/export.py --ckpt <cache>/runs/teacher/ckpt.pt \
        --out models/distillgate-teacher/0.1.0 --name distillgate-teacher --version 0.1.0

Graph I/O (DESIGN.md §3), L layers, H heads, hd head size, V vocabulary:
  inputs   input_ids [B,S] int64, attention_mask [B,P+S] int64, position_ids [B,S] int64,
           past_key_values.{i}.key|value [B,H,P,hd] float32          (P = 0 on the first step)
  outputs  logits [B,S,V] float32, present.{i}.key|value [B,H,P+S,hd] float32
Writes model.onnx, tokenizer.json, tokenizer_config.json, manifest.json (manifest.py) and, with
--parity-fixture, parity.json: torch logits for a prefill and a 1-token cached decode, which the
TS test replays in onnxruntime-node.
"""
from __future__ import annotations

import argparse
import inspect
import json
import shutil
from pathlib import Path

import onnx

from config import cache_dir, to_dict
from manifest import write_manifest
from runtime import JsonLog, setup_torch
from train import load_model

torch = setup_torch()
OPSET = 17


class OptimumDecoder(torch.nn.Module):
    """Flat tensors in and out, in Optimum's order, around GPT.forward."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])


def io_names(n_layer: int) -> tuple[list[str], list[str]]:
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    return ["input_ids", "attention_mask", "position_ids", *past], ["logits", *present]


def export_onnx(model, path: Path) -> None:
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_head
    inputs, outputs = io_names(cfg.n_layer)
    B, S, P = 2, 3, 4  # distinct sizes so no two axes get traced as one
    example = (
        torch.randint(0, cfg.vocab_size, (B, S)),
        torch.ones(B, P + S, dtype=torch.int64),
        torch.arange(P, P + S).expand(B, S).contiguous(),
        *[torch.zeros(B, cfg.n_head, P, hd) for _ in range(2 * cfg.n_layer)],
    )
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in inputs[3:]})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in outputs[1:]})
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch 2.x: the TorchScript exporter, as on torch 1.13
    torch.onnx.export(
        OptimumDecoder(model).eval(), example, str(path), input_names=inputs, output_names=outputs,
        dynamic_axes=axes, opset_version=OPSET,
        do_constant_folding=False,  # folding would store a transposed copy of the tied embedding
        **kwargs,
    )
    check_graph(path, cfg)


def check_graph(path: Path, cfg) -> None:
    """Assert the tied head shares the embedding: exactly one [V, C] initializer, and a Transpose."""
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    big = [i.name for i in m.graph.initializer if list(i.dims) in ([cfg.vocab_size, cfg.d_model], [cfg.d_model, cfg.vocab_size])]
    assert len(big) == 1, f"embedding stored {len(big)} times: {big}"
    assert any(n.op_type == "Transpose" and big[0] in n.input for n in m.graph.node), "head is not Transpose(wte)"
    assert m.opset_import[0].version == OPSET


@torch.no_grad()
def parity_fixture(model, seed: int = 7) -> dict:
    """A prefill of two rows (the second left-padded by 2), then one cached decode step."""
    cfg = model.cfg
    g = torch.Generator().manual_seed(seed)
    S = min(7, cfg.context_length - 1)
    ids = torch.randint(0, cfg.vocab_size, (2, S), generator=g)
    mask = torch.ones(2, S, dtype=torch.int64)
    mask[1, :2] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)  # HF convention: pads sit at position 0
    logits, presents = model(ids, mask, pos, None)
    nxt = logits[:, -1].argmax(-1, keepdim=True)  # (2, 1)
    mask2 = torch.cat([mask, torch.ones(2, 1, dtype=torch.int64)], 1)
    pos2 = pos[:, -1:] + 1
    logits2, presents2 = model(nxt, mask2, pos2, presents)
    flat = lambda t: [float(v) for v in t.reshape(-1)]  # noqa: E731
    return {
        "n_layer": cfg.n_layer, "n_head": cfg.n_head, "head_dim": cfg.d_model // cfg.n_head,
        "vocab_size": cfg.vocab_size,
        "prefill": {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "position_ids": pos.tolist(),
                    "logits_dims": list(logits.shape), "logits": flat(logits)},
        "decode": {"input_ids": nxt.tolist(), "attention_mask": mask2.tolist(), "position_ids": pos2.tolist(),
                   "logits_dims": list(logits2.shape), "logits": flat(logits2),
                   "present_dims": list(presents2[0][0].shape)},
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", type=Path, default=cache_dir() / "runs" / "teacher" / "ckpt.pt")
    p.add_argument("--tokenizer", type=Path, default=cache_dir() / "tokenizer", help="dir with tokenizer.json")
    p.add_argument("--out", type=Path, default=None, help="default: <cache>/export/<name>/<version>")
    p.add_argument("--name", default="distillgate-teacher")
    p.add_argument("--version", default="0.1.0")
    p.add_argument("--parent", default=None, help="teacher name@version, for students")
    p.add_argument("--parity-fixture", action="store_true")
    args = p.parse_args(argv)
    log = JsonLog()
    out = args.out or cache_dir() / "export" / args.name / args.version
    out.mkdir(parents=True, exist_ok=True)

    model, cfg, state = load_model(args.ckpt)
    export_onnx(model, out / "model.onnx")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(args.tokenizer / f, out / f)
    train_summary_path = args.ckpt.parent / "train_summary.json"
    training = json.loads(train_summary_path.read_text()) if train_summary_path.exists() else {}
    manifest = write_manifest(out, name=args.name, version=args.version, parent=args.parent, model=model,
                              cfg=cfg, training={**training, "config": to_dict(cfg)})
    if args.parity_fixture:
        (out / "parity.json").write_text(json.dumps(parity_fixture(model)))
    log("export.done", out=str(out), bytes=(out / "model.onnx").stat().st_size,
        parameters=manifest["parameter_count"])
    return manifest


if __name__ == "__main__":
    main()
