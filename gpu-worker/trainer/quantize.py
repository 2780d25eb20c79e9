"""int8 post-training quantization of an exported decoder, by rewriting its ONNX graph with python3-onnx
(no Python onnxruntime exists here, DESIGN.md §4).

    /usr/bin/python3 gpu-worker/trainer/quantize.py <model dir> [--mode matmulinteger|dequantize]
        [--output model.int8.onnx] [--reduce-range]

Reads <dir>/model.onnx (export.py: opset 17, do_constant_folding=False, so every nn.Linear is
MatMul(x, Transpose(W)) and the tied head is MatMul(x, Transpose(wte))), writes <dir>/<output>, checks
it with onnx.checker (full_check), and records it in <dir>/manifest.json: `files[<output>]`
(sha256, bytes) and `quantization[<output>]` (scheme, mode, the command).

Weights: symmetric int8, one scale per output column (zero point 0, scale = max|w| / 127), computed
once here. Every MatMul whose B is a float initializer, or a Transpose of one, becomes (N = columns):

  --mode matmulinteger (default; activations quantized at run time; ORT's fast int8 path, WASM too):
      DynamicQuantizeLinear(x)                     → x_q uint8, x_scale, x_zp   (per tensor, per call)
      MatMulInteger(x_q, W_q [K,N] int8, x_zp, 0)  → int32
      Cast(float) · Mul(x_scale, w_scale [N])      → the MatMul's old output name
  --mode dequantize (weight-only, for comparison; much slower in ORT-web, DESIGN.md §4):
      MatMul(x, DequantizeLinear(W_q, w_scale [N], 0 [N], axis=1))

The Transpose in front of a weight is folded into the stored int8 initializer (W_q is kept as [K, N]).
The tied embedding is stored once, as the head's int8 [C, V] table: the token lookup Gather(wte, ids)
becomes Gather(W_q, ids, axis=1) [C, B, S] → Cast → Mul(Gather(w_scale, ids) [B, S]) → Transpose
[B, S, C], i.e. each looked-up row is dequantized with its own scale (the head's column scale for
that token). Position embeddings, biases and LayerNorm parameters stay float32 (small).
`--reduce-range` uses 7-bit weights (±63): x86 CPUs without VNNI multiply uint8×int8 with
VPMADDUBSW, whose int16 pair sums can saturate (ORT quantization docs, "reduce_range"); VNNI CPUs
(this machine) accumulate straight into 32 bits. test/quantize.test.ts checks ORT-web's WASM kernel.

References
  ONNX operators (opset ≤ 17): MatMulInteger-10, DynamicQuantizeLinear-11, DequantizeLinear-13 (per
    axis), https://github.com/onnx/onnx/blob/main/docs/Operators.md
  Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-
    Only Inference" §2 (r = S(q − Z), integer matmul then rescale).
  Krishnamoorthi 2018, "Quantizing deep convolutional networks for efficient inference: A whitepaper"
    §2–3 (symmetric per-channel weights, asymmetric per-tensor activations).
  onnxruntime/python/tools/quantization/operators/matmul.py, class MatMulInteger: the same
    DynamicQuantizeLinear → MatMulInteger → Cast → Mul(Mul(a_scale, b_scale)) subgraph, which ORT
    fuses at load (onnxruntime/core/optimizer/matmul_integer_to_float.cc, then
    dynamic_quantize_matmul_fusion.cc: one DynamicQuantizeMatMul; it needs each DynamicQuantizeLinear
    to feed one MatMulInteger and `a_scale` as the first input of the scale Mul, as written here).
  onnxruntime/core/mlas/lib/qgemm.h, MlasGemmQuantGetDispatch: under WASM SIMD, uint8 A × (u)int8 B
    runs MlasGemmU8X8DispatchWasmSimd — hence uint8 activations and int8 weights.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from manifest import command_line, now_iso
from runtime import JsonLog, sha256_file, write_json_atomic

OPSET = 17


# ---- 1. weights → int8 ------------------------------------------------------------------------------

def quantize_columns(w: np.ndarray, qmax: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-column int8: w[:, n] ≈ q[:, n] · scale[n], q ∈ [−qmax, qmax], zero point 0."""
    amax = np.abs(w).max(axis=0)
    scale = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -qmax, qmax).astype(np.int8)
    return q, scale


class Weight:
    """One float initializer seen by MatMuls as B = W [K, N] (itself, or its 2-D transpose)."""

    def __init__(self, source: str, transposed: bool, w: np.ndarray, qmax: int):
        self.source, self.transposed = source, transposed
        self.name = f"{source}{'.T' if transposed else ''}.int8"
        self.q, self.scale = quantize_columns(w, qmax)
        self.scale_name = f"{self.name}.scale"

    def initializers(self) -> list[TensorProto]:
        return [numpy_helper.from_array(self.q, self.name), numpy_helper.from_array(self.scale, self.scale_name)]


def matmul_weight(node: onnx.NodeProto, inits: dict, producer: dict) -> tuple[str, bool] | None:
    """(initializer, transposed) when this MatMul's B is a 2-D float initializer or Transpose of one."""
    if node.op_type != "MatMul":
        return None
    b = node.input[1]
    if b in inits:
        source, transposed = b, False
    elif b in producer and producer[b].op_type == "Transpose" and producer[b].input[0] in inits:
        perm = [list(a.ints) for a in producer[b].attribute if a.name == "perm"]
        if perm not in ([], [[1, 0]]):  # no perm = reverse the axes, which for 2-D is [1, 0]
            return None
        source, transposed = producer[b].input[0], True
    else:
        return None
    init = inits[source]
    return (source, transposed) if init.data_type == TensorProto.FLOAT and len(init.dims) == 2 else None


# ---- 2. one node → its replacement ------------------------------------------------------------------

def matmul_integer(node: onnx.NodeProto, w: Weight, zero: str) -> list[onnx.NodeProto]:
    """MatMul(x, W) → DynamicQuantizeLinear, MatMulInteger, Cast, Mul(x_scale, w_scale), Mul."""
    x, (y,) = node.input[0], node.output
    p = f"{node.name or y}/int8"
    return [
        helper.make_node("DynamicQuantizeLinear", [x], [f"{p}/x_q", f"{p}/x_scale", f"{p}/x_zp"], f"{p}/DynamicQuantizeLinear"),
        helper.make_node("MatMulInteger", [f"{p}/x_q", w.name, f"{p}/x_zp", zero], [f"{p}/acc"], f"{p}/MatMulInteger"),
        helper.make_node("Cast", [f"{p}/acc"], [f"{p}/acc_f"], f"{p}/Cast", to=TensorProto.FLOAT),
        helper.make_node("Mul", [f"{p}/x_scale", w.scale_name], [f"{p}/scale"], f"{p}/ScaleMul"),
        helper.make_node("Mul", [f"{p}/acc_f", f"{p}/scale"], [y], f"{p}/Mul"),
    ]


def matmul_dequantize(node: onnx.NodeProto, w: Weight, dequantized: set[str]) -> list[onnx.NodeProto]:
    """MatMul(x, W) → MatMul(x, DequantizeLinear(W_q, w_scale, 0, axis=1)); one DequantizeLinear per weight."""
    nodes = []
    if w.name not in dequantized:
        dequantized.add(w.name)
        nodes.append(helper.make_node("DequantizeLinear", [w.name, w.scale_name, f"{w.name}.zero_point"],
                                      [f"{w.name}.dequantized"], f"{w.name}/DequantizeLinear", axis=1))
    nodes.append(helper.make_node("MatMul", [node.input[0], f"{w.name}.dequantized"], list(node.output), node.name))
    return nodes


def embedding_lookup(node: onnx.NodeProto, w: Weight, ids_rank: int) -> list[onnx.NodeProto]:
    """Gather(E, ids) over a tied table stored as W_q = E_qᵀ [C, V]: gather columns, scale, move C last."""
    ids, (y,) = node.input[1], node.output
    p = f"{node.name or y}/int8"
    return [
        helper.make_node("Gather", [w.name, ids], [f"{p}/rows_q"], f"{p}/Gather", axis=1),  # [C, *ids]
        helper.make_node("Cast", [f"{p}/rows_q"], [f"{p}/rows_f"], f"{p}/Cast", to=TensorProto.FLOAT),
        helper.make_node("Gather", [w.scale_name, ids], [f"{p}/row_scale"], f"{p}/GatherScale", axis=0),  # [*ids]
        helper.make_node("Mul", [f"{p}/rows_f", f"{p}/row_scale"], [f"{p}/rows"], f"{p}/Mul"),  # broadcasts over C
        helper.make_node("Transpose", [f"{p}/rows"], [y], f"{p}/Transpose", perm=[*range(1, ids_rank + 1), 0]),
    ]


def is_tied_lookup(node: onnx.NodeProto, weights: dict, ranks: dict[str, int]) -> bool:
    """Gather(E, ids, axis=0) where the head reads E as Transpose(E), and the rank of ids is known."""
    axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
    return node.op_type == "Gather" and (node.input[0], True) in weights and axis == 0 and node.input[1] in ranks


def tensor_ranks(model: onnx.ModelProto) -> dict[str, int]:
    """Rank of every tensor whose shape ONNX shape inference knows (graph inputs included)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    g = inferred.graph
    return {v.name: len(v.type.tensor_type.shape.dim) for v in [*g.input, *g.value_info, *g.output]
            if v.type.tensor_type.HasField("shape")}


# ---- 3. the whole graph -----------------------------------------------------------------------------

def quantize_model(model: onnx.ModelProto, mode: str, qmax: int = 127) -> tuple[onnx.ModelProto, dict]:
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    ranks = tensor_ranks(model)

    # Pass 1: quantize each weight once (two MatMuls over one weight share its int8 copy).
    weights: dict[tuple[str, bool], Weight] = {}
    for node in g.node:
        key = matmul_weight(node, inits, producer)
        if key and key not in weights:
            w = numpy_helper.to_array(inits[key[0]])
            weights[key] = Weight(key[0], key[1], w.T if key[1] else w, qmax)

    # Pass 2: rewrite in order, so the node list stays topologically sorted.
    zero = "int8.zero_point"
    new_nodes: list[onnx.NodeProto] = []
    dequantized: set[str] = set()
    counts = {"matmuls": 0, "embedding_lookups": 0}
    for node in g.node:
        key = matmul_weight(node, inits, producer)
        if key:
            w = weights[key]
            new_nodes += matmul_integer(node, w, zero) if mode == "matmulinteger" else matmul_dequantize(node, w, dequantized)
            counts["matmuls"] += 1
        elif is_tied_lookup(node, weights, ranks):  # the head's table is [C, V]: a row lookup becomes a column one
            new_nodes += embedding_lookup(node, weights[(node.input[0], True)], ranks[node.input[1]])
            counts["embedding_lookups"] += 1
        else:
            new_nodes.append(node)

    # Drop what no node reads any more: the Transposes that fed weights, then the float weights.
    def read_by(nodes: list[onnx.NodeProto]) -> set[str]:
        return {i for n in nodes for i in n.input} | {o.name for o in g.output}

    read = read_by(new_nodes)
    new_nodes = [n for n in new_nodes if n.op_type != "Transpose" or n.input[0] not in inits or n.output[0] in read]
    read = read_by(new_nodes)
    new_inits = [i for i in g.initializer if i.name in read or i.name not in {w.source for w in weights.values()}]
    for w in weights.values():
        new_inits += w.initializers()
        if mode == "dequantize":
            new_inits.append(numpy_helper.from_array(np.zeros(w.scale.shape, np.int8), f"{w.name}.zero_point"))
    if mode == "matmulinteger" and weights:
        new_inits.append(numpy_helper.from_array(np.array(0, np.int8), zero))

    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    names = {o for n in new_nodes for o in n.output} | {i.name for i in new_inits} | {i.name for i in g.input}
    kept_info = [v for v in g.value_info if v.name in names]
    del g.value_info[:]
    g.value_info.extend(kept_info)
    replaced = sorted({w.source for w in weights.values()} - {i.name for i in new_inits})
    return model, {**counts, "int8_weights": [w.name for w in weights.values()], "replaced_fp32_initializers": replaced}


# ---- 4. the command: quantize, check, record --------------------------------------------------------

SCHEME = ("int8 weights, symmetric, one scale per output channel (zero point 0, scale = max|w|/{qmax}); "
          "tied embedding stored once as the head's int8 [C,V] table, rows dequantized after the lookup")
ACTIVATIONS = {"matmulinteger": "uint8, per tensor, quantized at run time (DynamicQuantizeLinear)",
               "dequantize": "float32 (weight-only: DequantizeLinear → MatMul)"}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir", type=Path)
    p.add_argument("--mode", choices=["matmulinteger", "dequantize"], default="matmulinteger")
    p.add_argument("--input", default="model.onnx", help="file name inside model_dir")
    p.add_argument("--output", default="model.int8.onnx", help="file name inside model_dir")
    p.add_argument("--reduce-range", action="store_true", help="7-bit weights (±63), for pre-VNNI x86 ORT-node")
    args = p.parse_args(argv)
    log = JsonLog()
    src, dst = args.model_dir / args.input, args.model_dir / args.output
    qmax = 63 if args.reduce_range else 127

    model = onnx.load(str(src))
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    assert 13 <= opset <= OPSET, f"{src}: opset {opset}; per-axis DequantizeLinear needs ≥ 13, python3-onnx 1.12 knows ≤ {OPSET}"
    model, summary = quantize_model(model, args.mode, qmax)
    if summary["matmuls"] == 0:
        raise SystemExit(f"{src}: no MatMul over a constant weight; nothing to quantize")
    model.metadata_props.append(onnx.StringStringEntryProto(
        key="distillgate.quantization", value=json.dumps({"mode": args.mode, "weight_qmax": qmax})))
    onnx.checker.check_model(model, full_check=True)  # full_check: strict shape inference too
    onnx.save(model, str(dst))

    fp32_bytes, int8_bytes = src.stat().st_size, dst.stat().st_size
    entry = {
        "scheme": SCHEME.format(qmax=qmax),
        "mode": args.mode,
        "weight_bits": 8 if qmax == 127 else 7,
        "activations": ACTIVATIONS[args.mode],
        "source": args.input,
        "source_sha256": sha256_file(src),
        "quantized_matmuls": summary["matmuls"],
        "quantized_embedding_lookups": summary["embedding_lookups"],
        "bytes": int8_bytes,
        "source_bytes": fp32_bytes,
        "command": command_line(__file__, argv),
        "created_at": now_iso(),
    }
    manifest_path = args.model_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest.setdefault("files", {})[args.output] = {"sha256": sha256_file(dst), "bytes": int8_bytes}
        previous = manifest.get("quantization")
        per_file = previous if isinstance(previous, dict) and all(isinstance(v, dict) for v in previous.values()) else {}
        manifest["quantization"] = {**per_file, args.output: entry}
        write_json_atomic(manifest_path, manifest)
    log("quantize.done", out=str(dst), mode=args.mode, fp32_bytes=fp32_bytes, int8_bytes=int8_bytes,
        ratio=round(int8_bytes / fp32_bytes, 4), **summary)
    print(f"{src.name}: {fp32_bytes:,} bytes → {dst.name}: {int8_bytes:,} bytes "
          f"({100 * int8_bytes / fp32_bytes:.1f} %), {summary['matmuls']} MatMuls, mode {args.mode}", flush=True)
    return {**entry, **summary, "path": str(dst)}


if __name__ == "__main__":
    main()
