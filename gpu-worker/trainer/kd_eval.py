"""A student checkpoint against its teacher on a split: the numbers the distillation report shows.

    /usr/bin/python3 gpu-worker/trainer/kd_eval.py --student <cache>/runs/student-kd/ckpt.pt \
        [--teacher-ckpt <cache>/runs/teacher/ckpt.pt] [--baseline <cache>/runs/student-ce/ckpt.pt] \
        [--init] [--split test] [--max-tokens N] [--manifest models/distillgate-student/<v>/manifest.json]

Windows as evaluate.py: consecutive, context+1 tokens overlapping by one (context = the smaller of
the two models'), so every token after the first is predicted once. Per predicted position, at T=1
over the full vocabulary:
  perplexity        exp(mean −log p_S(target))
  top1_accuracy     argmax p_S == target
  teacher_top1_agreement   argmax p_S == argmax p_T
  kl_teacher_student       mean KL(p_T ‖ p_S) in nats
Prints one JSON object on stdout: the student's metrics at the top level, `teacher` (its own
perplexity/accuracy), and `baseline` (--baseline, e.g. the cross-entropy student) and `init` (--init:
the student's seeded initialisation, as distill.py builds it) with the student's metric names.
Progress is JSON lines on stderr. --manifest records teacher_top1_agreement and kl_teacher_student
there with this command (perplexity and accuracy stay evaluate.py's).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from config import cache_dir
from manifest import command_line, record_metrics
from runtime import JsonLog, setup_torch
from train import load_model, load_tokens

torch = setup_torch()
F = torch.nn.functional
from model import GPT  # noqa: E402


class Tally:
    def __init__(self):
        self.nll = self.correct = self.agree = self.kl = 0.0
        self.count = 0

    def add(self, logits: torch.Tensor, targets: torch.Tensor, t_logp: torch.Tensor | None) -> None:
        logp = F.log_softmax(logits.float(), dim=-1)  # (B, T, V)
        self.nll += float(F.nll_loss(logp.reshape(-1, logp.size(-1)), targets.reshape(-1), reduction="sum"))
        pred = logp.argmax(-1)
        self.correct += int((pred == targets).sum())
        if t_logp is not None:
            self.agree += int((pred == t_logp.argmax(-1)).sum())
            self.kl += float((t_logp.exp() * (t_logp - logp)).sum())
        self.count += targets.numel()

    def result(self, split: str, vs_teacher: bool = True) -> dict:
        n = max(1, self.count)
        r = {f"{split}_perplexity": round(math.exp(self.nll / n), 4), f"{split}_top1_accuracy": round(self.correct / n, 4)}
        if vs_teacher:
            r["teacher_top1_agreement"] = round(self.agree / n, 4)
            r["kl_teacher_student"] = round(self.kl / n, 4)
        return r


def load_init(ckpt_path: Path) -> GPT:
    """The untrained student of a distill.py run: GPT(cfg.model) right after torch.manual_seed(cfg.seed)."""
    _, cfg, _ = load_model(ckpt_path)
    torch.manual_seed(cfg.seed)
    return GPT(cfg.model).eval()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--student", type=Path, default=cache_dir() / "runs" / "student-kd" / "ckpt.pt")
    p.add_argument("--teacher-ckpt", type=Path, default=cache_dir() / "runs" / "teacher" / "ckpt.pt")
    p.add_argument("--baseline", type=Path, default=None, help="another student ckpt to score the same way")
    p.add_argument("--init", action="store_true", help="also score the student's seeded initialisation")
    p.add_argument("--data", type=Path, default=cache_dir() / "tokenizer", help="dir with <split>.bin, tokens.json")
    p.add_argument("--split", default="test")
    p.add_argument("--max-tokens", type=int, default=None, help="only the first N tokens of the split")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--manifest", type=Path, default=None, help="record the student's metrics in this manifest")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)
    log = JsonLog(stream=sys.stderr)

    meta = json.loads((args.data / "tokens.json").read_text())
    models: dict[str, GPT] = {}
    for role, path in (("teacher", args.teacher_ckpt), ("student", args.student), ("baseline", args.baseline)):
        if path is None:
            continue
        model, cfg, state = load_model(path)
        if state["data"]["tokenizer_sha256"] != meta["tokenizer_sha256"]:
            raise SystemExit(f"{role} {path} was trained with tokenizer {state['data']['tokenizer_sha256']}, "
                             f"{args.data} is tokenized by {meta['tokenizer_sha256']}")
        models[role] = model.to(args.device)
    if args.init:
        models["init"] = load_init(args.student).to(args.device)
    if args.manifest:
        manifest = json.loads(args.manifest.read_text())
        assert manifest["tokenizer_sha256"] == meta["tokenizer_sha256"], "data was tokenized by another tokenizer"
    T = min(m.cfg.context_length for m in models.values())
    tokens = np.asarray(load_tokens(args.data, args.split)[: args.max_tokens])
    tallies = {role: Tally() for role in models}
    starts = list(range(0, len(tokens) - 1, T))
    started = time.time()
    with torch.no_grad():
        for i in range(0, len(starts), args.batch_size):
            windows = [torch.from_numpy(tokens[s: s + T + 1].astype(np.int64)) for s in starts[i: i + args.batch_size]]
            for group in ([w for w in windows if len(w) == T + 1], [w for w in windows if len(w) < T + 1]):
                if not group:
                    continue
                x = torch.stack(group).to(args.device)  # (B, T+1); the short last window goes alone
                targets = x[:, 1:]
                t_logits, _ = models["teacher"](x[:, :-1])
                t_logp = F.log_softmax(t_logits.float(), dim=-1)
                for role, model in models.items():
                    logits = t_logits if role == "teacher" else model(x[:, :-1])[0]
                    tallies[role].add(logits, targets, None if role == "teacher" else t_logp)
            log("kd_eval.progress", predicted=tallies["teacher"].count, of=len(tokens) - 1,
                elapsedMs=int(1000 * (time.time() - started)))

    result = {**tallies["student"].result(args.split), "teacher": tallies["teacher"].result(args.split, vs_teacher=False)}
    for role in ("baseline", "init"):
        if role in tallies:
            result[role] = tallies[role].result(args.split)
    details = {"split": args.split, "predicted_tokens": tallies["student"].count, "context": T,
               "tokenizer_sha256": meta["tokenizer_sha256"], "teacher_ckpt": str(args.teacher_ckpt)}
    result.update(details)
    log("kd_eval.done", **result)
    if args.manifest:
        # perplexity/accuracy stay evaluate.py's entries (same definitions); these two are new
        vs = tallies["student"].result(args.split)
        record_metrics(args.manifest, {k: vs[k] for k in ("teacher_top1_agreement", "kl_teacher_student")},
                       command_line(__file__, argv), details)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
