"""Byte-level BPE: train on the corpus's train split, write a Hugging Face `tokenizer.json`, encode.

Same algorithm and file format as GPT-2 (Radford et al. 2019, §2.2; openai/gpt-2 `src/encoder.py`):
text is split by the GPT-2 pattern, each piece becomes UTF-8 bytes, and learned merges join the
most frequent adjacent pair repeatedly. Ids: 0–255 are the single bytes, merges follow in learning
order, `<|endoftext|>` is the last id. The JSON loads in JS with `@huggingface/tokenizers` and gives
the same ids as `encode` here (gpu-worker/trainer/test/pipeline.test.ts checks).

    /usr/bin/python3 gpu-worker/trainer/bpe.py [--corpus DIR] [--out DIR] [--vocab-size 4096]
writes tokenizer.json, tokenizer_config.json, {train,validation,test}.bin (uint16 ids, documents
joined by <|endoftext|>), test.ids.jsonl (per-document text and ids: the JS parity fixture) and
tokens.json (counts, hashes).
"""
from __future__ import annotations

import argparse
import heapq
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import regex

from config import TokenizerConfig, cache_dir
from corpus import SPLITS, read_split
from runtime import JsonLog, sha256_file, write_json_atomic

# The GPT-2 pre-tokenizer (openai/gpt-2 src/encoder.py); the same pattern is built into the
# Hugging Face ByteLevel pre-tokenizer (Rust and JS) when `use_regex` is true.
GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte → printable character map (openai/gpt-2 src/encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHARS = bytes_to_unicode()


# ---- training -------------------------------------------------------------------------------

def word_frequencies(texts: list[str]) -> Counter:
    freqs: Counter = Counter()
    for text in texts:
        freqs.update(GPT2_PATTERN.findall(text))
    return freqs


def _merge_word(word: list[int], a: int, b: int, new_id: int) -> list[int]:
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train(word_freqs: Counter, n_tokens: int, log: JsonLog) -> tuple[list[bytes], list[tuple[int, int]]]:
    """Learn merges until there are `n_tokens` distinct tokens (specials excluded).

    Pair counts are kept incrementally over the distinct words (weighted by frequency): a merge
    only revisits the words that contain its pair (`where`), and a max-heap with lazy deletion
    finds the next best pair. Ties go to the smaller (left id, right id), so training is
    deterministic."""
    words = [list(w.encode("utf-8")) for w in word_freqs]
    freqs = list(word_freqs.values())
    pair_counts: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for wi, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_counts[pair] += freqs[wi]
            where[pair].add(wi)
    heap = [(-c, pair) for pair, c in pair_counts.items()]
    heapq.heapify(heap)

    vocab = [bytes([b]) for b in range(256)]
    ids = {tok: i for i, tok in enumerate(vocab)}
    merges: list[tuple[int, int]] = []
    started = time.time()
    while len(vocab) < n_tokens and heap:
        neg_count, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg_count or neg_count == 0:
            continue  # stale heap entry
        a, b = pair
        merged = vocab[a] + vocab[b]
        if merged not in ids:  # two merge paths can spell the same bytes: one token, two rules
            ids[merged] = len(vocab)
            vocab.append(merged)
        new_id = ids[merged]
        merges.append(pair)
        changed: set[tuple[int, int]] = set()
        for wi in where.pop(pair):
            w, f = words[wi], freqs[wi]
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
                changed.add(p)
            w = words[wi] = _merge_word(w, a, b, new_id)
            for p in zip(w, w[1:]):
                pair_counts[p] += f
                where[p].add(wi)
                changed.add(p)
        del pair_counts[pair]
        changed.discard(pair)
        for p in changed:
            heapq.heappush(heap, (-pair_counts[p], p))
        if len(merges) % 500 == 0:
            log("bpe.progress", merges=len(merges), vocab=len(vocab), elapsedMs=int(1000 * (time.time() - started)))
    return vocab, merges


# ---- encoding -------------------------------------------------------------------------------

class Tokenizer:
    def __init__(self, vocab: list[bytes], merges: list[tuple[int, int]], eot_token: str):
        self.vocab = vocab
        ids = {tok: i for i, tok in enumerate(vocab)}
        self.ranks = {pair: (rank, ids[vocab[pair[0]] + vocab[pair[1]]]) for rank, pair in enumerate(merges)}
        self.merges = merges
        self.eot_token = eot_token
        self.eot_id = len(vocab)
        self.cache: dict[str, list[int]] = {}

    def _bpe(self, piece: str) -> list[int]:
        """GPT-2 `bpe()`: repeatedly merge the adjacent pair of lowest rank, all occurrences left to right."""
        word = list(piece.encode("utf-8"))
        while len(word) > 1:
            best = min(zip(word, word[1:]), key=lambda p: self.ranks.get(p, (1 << 30,))[0])
            if best not in self.ranks:
                break
            word = _merge_word(word, best[0], best[1], self.ranks[best][1])
        return word

    def encode(self, text: str) -> list[int]:
        """Encode ordinary text (special tokens are not parsed out of it)."""
        out: list[int] = []
        for piece in GPT2_PATTERN.findall(text):
            ids = self.cache.get(piece)
            if ids is None:
                ids = self.cache[piece] = self._bpe(piece)
            out.extend(ids)
        return out

    def decode(self, ids: list[int]) -> str:
        return b"".join(self.eot_token.encode() if i == self.eot_id else self.vocab[i] for i in ids).decode("utf-8", "replace")

    # -- Hugging Face tokenizer.json (tokenizers' `Tokenizer::save` layout, BPE model) --------

    def token_str(self, i: int) -> str:
        return "".join(BYTE_CHARS[b] for b in self.vocab[i])

    def to_hf_json(self) -> dict:
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.eot_id, "content": self.eot_token, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": {**byte_level, "trim_offsets": False},
            "decoder": byte_level,
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": {**{self.token_str(i): i for i in range(len(self.vocab))}, self.eot_token: self.eot_id},
                "merges": [[self.token_str(a), self.token_str(b)] for a, b in self.merges],
            },
        }

    @classmethod
    def from_hf_json(cls, path: Path) -> "Tokenizer":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        char_byte = {c: b for b, c in BYTE_CHARS.items()}
        (eot,) = [t for t in d["added_tokens"] if t["special"]]
        by_id = {i: s for s, i in d["model"]["vocab"].items() if i != eot["id"]}
        vocab = [bytes(char_byte[c] for c in by_id[i]) for i in range(len(by_id))]
        str_id = {s: i for i, s in by_id.items()}
        merges = [(str_id[a], str_id[b]) for a, b in d["model"]["merges"]]
        assert eot["id"] == len(vocab), "the special token must be the last id"
        return cls(vocab, merges, eot["content"])


def tokenizer_config(cfg: TokenizerConfig, context_length: int) -> dict:
    """The companion file transformers / tokenizers.js read; clean_up_tokenization_spaces must be
    false or decoding rewrites " ." to "." (tokenizers.js defaults it to true)."""
    return {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": cfg.eot_token, "bos_token": cfg.eot_token,
            "unk_token": None, "model_max_length": context_length, "add_prefix_space": False,
            "clean_up_tokenization_spaces": False}


# ---- the command ----------------------------------------------------------------------------

def encode_splits(tok: Tokenizer, corpus: Path, out: Path, log: JsonLog) -> dict:
    counts = {}
    for split in SPLITS:
        docs = read_split(corpus, split)
        ids: list[int] = []
        fixture = []
        for doc in docs:
            doc_ids = tok.encode(doc["text"])
            ids.extend(doc_ids)
            ids.append(tok.eot_id)
            if split == "test":
                fixture.append(json.dumps({"id": doc["id"], "text": doc["text"], "ids": doc_ids}, ensure_ascii=False))
        np.asarray(ids, dtype=np.uint16).tofile(out / f"{split}.bin")
        if split == "test":
            (out / "test.ids.jsonl").write_text("\n".join(fixture) + "\n", encoding="utf-8")
        counts[split] = {"documents": len(docs), "tokens": len(ids),
                         "chars_per_token": round(sum(len(d["text"]) for d in docs) / max(1, len(ids)), 3)}
        log("bpe.encoded", split=split, **counts[split])
    return counts


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, default=cache_dir() / "corpus")
    p.add_argument("--out", type=Path, default=cache_dir() / "tokenizer")
    p.add_argument("--vocab-size", type=int, default=TokenizerConfig.vocab_size)
    p.add_argument("--context-length", type=int, default=256, help="model_max_length in tokenizer_config.json")
    args = p.parse_args(argv)
    cfg = TokenizerConfig(vocab_size=args.vocab_size)
    log = JsonLog()
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.time()
    freqs = word_frequencies([d["text"] for d in read_split(args.corpus, "train")])
    log("bpe.words", distinct=len(freqs), total=sum(freqs.values()))
    vocab, merges = train(freqs, cfg.vocab_size - 1, log)  # minus one for <|endoftext|>
    assert len(vocab) == cfg.vocab_size - 1, f"corpus too small for {cfg.vocab_size} tokens"
    tok = Tokenizer(vocab, merges, cfg.eot_token)
    log("bpe.trained", merges=len(merges), elapsedMs=int(1000 * (time.time() - started)))

    tok_path = args.out / "tokenizer.json"
    write_json_atomic(tok_path, tok.to_hf_json())
    write_json_atomic(args.out / "tokenizer_config.json", tokenizer_config(cfg, args.context_length))
    counts = encode_splits(tok, args.corpus, args.out, log)
    corpus_meta = json.loads((args.corpus / "corpus.json").read_text())
    summary = {"vocab_size": cfg.vocab_size, "eot_id": tok.eot_id, "tokenizer_sha256": sha256_file(tok_path),
               "corpus_content_sha256": corpus_meta["content_sha256"], "splits": counts,
               "elapsedMs": int(1000 * (time.time() - started))}
    write_json_atomic(args.out / "tokens.json", summary)
    log("bpe.done", **{k: v for k, v in summary.items() if k != "splits"})
    return summary


if __name__ == "__main__":
    main()
