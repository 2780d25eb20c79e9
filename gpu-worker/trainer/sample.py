"""Print a greedy and a sampled continuation for five fixed prompts (a quick look at a model).

    /usr/bin/python3 gpu-worker/trainer/sample.py [--ckpt <cache>/runs/teacher/ckpt.pt] [--tokens 48]
Sampling: temperature 0.8, top-k 40, seeded (--seed), so two runs print the same text.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from bpe import Tokenizer
from config import cache_dir
from runtime import setup_torch
from train import load_model

torch = setup_torch()

# One prompt per corpus register: news (Brown), scripture (KJV), the two dictionaries, fiction.
PROMPTS = (
    "The committee said on Monday that",
    "And the LORD spake unto Moses, saying,",
    "hacker n.",
    "CYNIC, n.",
    "She opened the door and",
)


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", type=Path, default=cache_dir() / "runs" / "teacher" / "ckpt.pt")
    p.add_argument("--tokenizer", type=Path, default=cache_dir() / "tokenizer" / "tokenizer.json")
    p.add_argument("--tokens", type=int, default=48, help="new tokens per continuation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prompts", type=int, default=len(PROMPTS), help="use the first N prompts")
    args = p.parse_args(argv)

    model, _, _ = load_model(args.ckpt)
    tok = Tokenizer.from_hf_json(args.tokenizer)
    assert tok.eot_id == model.cfg.vocab_size - 1, "tokenizer does not match the model"
    generator = torch.Generator().manual_seed(args.seed)
    results = []
    for prompt in PROMPTS[: args.prompts]:
        ids = tok.encode(prompt)
        greedy = tok.decode(model.generate(ids, args.tokens, eot_id=tok.eot_id))
        sampled = tok.decode(model.generate(ids, args.tokens, temperature=0.8, top_k=40, eot_id=tok.eot_id,
                                            generator=generator))
        print(f"### {prompt}\n  greedy : {greedy!r}\n  sampled: {sampled!r}", flush=True)
        results.append({"prompt": prompt, "greedy": greedy, "sampled": sampled})
    return results


if __name__ == "__main__":
    main()
