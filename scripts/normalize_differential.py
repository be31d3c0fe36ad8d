"""Differential check: the normalizers of this tree against those of an earlier commit.

A refactoring of `normalize/` (the plain install, `normalize/params` split into a package,
hand-written readers replaced by regexes) must not change a single output byte. This script
builds one corpus, runs it through both trees in child processes, and compares the outputs
line by line:

- the corpus: the bench corpus (`bench/normalize.py`'s `build_corpus`, seeded) and the bundled
  fixtures read the way a crawl reads them (each Hub repo of `fixtures/hub*/` as its
  `/api/models` object with and without its README, the README alone and the repo id as a
  text; the paragraphs and whole text of every page under `fixtures/web/static/`; each model
  of OpenRouter's list as a pricing record; a synthetic Hub of `--synthetic` repos);
- `normalize`: every record through `toolscout normalize` (the public contract);
- `params`: every string of every record through the public functions of `normalize.params`
  one by one (`params_from_name`, `params_from_text`, `parse_param_count` on each word that
  holds a digit, `format_count` and `describe` on what they return, `params_from_weights`
  and `best_params` on the `/api/models` objects), so a difference the record's merge
  would hide still shows.

The earlier tree is `git archive --base` unpacked in a temporary directory; both run on this
interpreter (the same installed dependencies). Exit status 1 when any line differs, with the
first differences printed.

    .venv/bin/python scripts/normalize_differential.py --base 7d6ef76
    .venv/bin/python scripts/normalize_differential.py --base main --bench-size 20000
"""

from __future__ import annotations

import argparse
import html
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Run in each tree with that tree first on sys.path: reads JSON lines on stdin, writes one
# answer line per input line. It asserts which `normalize` it imported, so the check never
# compares a tree against itself by accident.
_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
mode = sys.argv[2]
import normalize
assert normalize.__file__.startswith(sys.argv[1]), normalize.__file__
if mode == "normalize":
    sys.argv = ["toolscout", "normalize"]
    from ingest.cli import main
    main()
    raise SystemExit(0)
import re
import orjson
from normalize import params as p

DIGIT_WORD = re.compile(r"\S*\d\S*")

def js(value):
    return value.to_json() if value is not None else None

def strings(record):
    for key in ("text", "card"):
        if isinstance(record.get(key), str):
            yield record[key]
    info = record.get("model_info")
    if isinstance(info, dict) and isinstance(info.get("id"), str):
        yield info["id"]

out = sys.stdout.buffer
for line in sys.stdin.buffer:
    record = orjson.loads(line)
    answer = []
    for text in strings(record):
        by_name = p.params_from_name(text, source="s")
        by_text = p.params_from_text(text, source="s")
        words = DIGIT_WORD.findall(text[:4000])[:200]
        counts = [p.parse_param_count(word) for word in words]
        formatted = [p.format_count(c) for c in counts if c is not None and c > 0]
        answer.append([js(by_name), js(by_text), p.describe(by_name), p.describe(by_text),
                       counts, formatted])
    info = record.get("model_info")
    if isinstance(info, dict):
        card = record.get("card")
        answer.append(js(p.params_from_weights(info, source="w")))
        best = p.best_params(model_info=info, card=card, name=info.get("id"), source="b")
        answer.append([js(best), p.describe(best)])
    out.write(orjson.dumps(answer) + b"\n")
"""

_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<(?:p|li|h[1-3])\b[^>]*>(.*?)</(?:p|li|h[1-3])>", re.S | re.I)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


def _page_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def hub_records(root: Path) -> list[dict]:
    records = []
    for path in sorted((root / "models").rglob("*.json")):
        info = orjson.loads(path.read_bytes())
        card_path = (root / "cards" / path.relative_to(root / "models")).with_suffix(".md")
        card = card_path.read_text(encoding="utf-8") if card_path.exists() else None
        records.append({"model_info": info})
        if card is not None:
            records += [{"model_info": info, "card": card}, {"card": card}]
        records.append({"text": info.get("id", "")})
    return records


def page_records(static: Path) -> list[dict]:
    records = []
    for path in sorted(static.rglob("index.html")):
        page = _SCRIPT.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
        paragraphs = [_page_text(match) for match in _PARAGRAPH.findall(page)]
        records += [{"text": text} for text in paragraphs if len(text) > 40]
        records.append({"text": "\n\n".join(paragraphs)})
    return records


def pricing_records(static: Path) -> list[dict]:
    listing = static / "api" / "v1" / "models"
    if not listing.exists():
        return []
    models = orjson.loads(listing.read_bytes()).get("data", [])
    return [{"pricing": model} for model in models if isinstance(model, dict)]


def synthetic_records(count: int, seed: int) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from fixtures.synthetic import SyntheticCatalog

    catalog = SyntheticCatalog(count, seed=seed)
    return [{"model_info": catalog.model(i), "card": catalog.card_text(i)} for i in range(count)]


def fixture_lines(synthetic: int, seed: int) -> list[bytes]:
    records = hub_records(FIXTURES / "hub") + hub_records(FIXTURES / "hub_later")
    static = FIXTURES / "web" / "static"
    records += page_records(static) + pricing_records(static)
    records += synthetic_records(synthetic, seed)
    return [orjson.dumps(record) for record in records]


def _bench_module():
    """bench/normalize.py by path: its module name is the package's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_bench_normalize", ROOT / "bench/normalize.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT))
    spec.loader.exec_module(module)
    return module


def unpack(rev: str, where: Path) -> Path:
    """The tree of `rev` (a commit, branch or tag of this repository) under `where`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(where, filter="data")
    return where


def run(tree: Path, mode: str, corpus: Path) -> list[bytes]:
    with corpus.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(tree), mode],
            cwd=tree,
            stdin=stdin,
            capture_output=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed in {tree}:\n{done.stderr.decode()[-2000:]}")
    return done.stdout.splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--head", help="a commit instead of this working tree")
    parser.add_argument("--bench-size", type=int, default=100_000)
    parser.add_argument("--synthetic", type=int, default=1500, help="synthetic Hub repos")
    parser.add_argument("--seed", type=int, default=20250101, help="the bench default")
    parser.add_argument("--modes", default="normalize,params")
    parser.add_argument("--show", type=int, default=5, help="differences printed per mode")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    corpus_lines = [
        line.encode() for line in _bench_module().build_corpus(args.bench_size, args.seed)
    ]
    fixtures = fixture_lines(args.synthetic, args.seed)
    lines = corpus_lines + fixtures
    print(
        f"corpus: {len(corpus_lines)} bench records (seed {args.seed}) + {len(fixtures)} from the fixtures"
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="toolscout-diff-") as tmp:
        corpus = Path(tmp, "corpus.jsonl")
        corpus.write_bytes(b"\n".join(lines) + b"\n")
        base = unpack(args.base, Path(tmp, "base"))
        head = unpack(args.head, Path(tmp, "head")) if args.head else ROOT
        for mode in args.modes.split(","):
            before, after = run(base, mode, corpus), run(head, mode, corpus)
            if len(before) != len(lines) or len(after) != len(lines):
                print(f"{mode}: {len(lines)} inputs, {len(before)} / {len(after)} answers")
                failed = True
                continue
            differing = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
            print(f"{mode}: {len(differing)} of {len(lines)} records differ")
            for i in differing[: args.show]:
                print(f"  line {i + 1}: {lines[i][:300]!r}")
                print(f"    {args.base}: {before[i][:600]!r}")
                print(f"    {args.head or 'tree'}: {after[i][:600]!r}")
            failed = failed or bool(differing)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
