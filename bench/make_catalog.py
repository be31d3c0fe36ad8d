"""Make a synthetic Hugging Face Hub catalog of N models for the benchmarks (seeded).

The catalog itself is `fixtures.synthetic.SyntheticCatalog` (what the mix is and how each
model's `/api/models` entry, info object and README are rendered); this script builds one,
saves it under `bench/out/catalog-N-SEED/` (small integer columns plus one JSON line per
model for the listing projection the spider asks for, so the replay server serves listing
pages without rendering them), and optionally writes a sources.toml that watches its orgs.

    .venv/bin/python bench/make_catalog.py --size 100000            # build and save
    .venv/bin/python bench/make_catalog.py --size 10000 --stats --sample 3
    .venv/bin/python bench/make_catalog.py --size 10000 --jsonl - | head -c 2000
    .venv/bin/python -m fixtures.replay --synthetic bench/out/catalog-100000-7 --port 8765
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.synthetic import FORMAT, META, VENDORS, SyntheticCatalog  # noqa: E402
from spiders.hf_models import LISTING_EXPAND  # noqa: E402

OUT = ROOT / "bench" / "out"
SINCE = "2023-01-01"  # before the catalog's oldest model: a backfill lists everything


def catalog_dir(size: int, seed: int) -> Path:
    return OUT / f"catalog-{size}-{seed}"


def is_saved(directory: Path, keys=LISTING_EXPAND) -> bool:
    try:
        meta = orjson.loads((directory / META).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return False
    return meta.get("format") == FORMAT and meta.get("listing_keys") == list(keys)


def ensure_catalog(size: int, seed: int = 7, force: bool = False, quiet: bool = False) -> Path:
    """The saved catalog directory for (size, seed), built first if it is not there."""
    directory = catalog_dir(size, seed)
    if not force and is_saved(directory):
        return directory
    t0 = time.perf_counter()
    catalog = SyntheticCatalog(size, seed)
    built = time.perf_counter() - t0
    catalog.save(directory, LISTING_EXPAND)
    if not quiet:
        print(
            f"catalog {size:,} models (seed {seed}): built in {built:.1f}s, "
            f"saved in {time.perf_counter() - t0 - built:.1f}s to {directory}",
            file=sys.stderr,
        )
    return directory


def sources_toml(catalog: SyntheticCatalog, endpoint: str, page_size: int = 1000) -> str:
    """A sources.toml watching every org of the catalog, tuned for a loopback server."""

    def names(orgs: list[str]) -> str:
        return "[\n" + "".join(f'  "{org}",\n' for org in orgs) + "]"

    return (
        "# Written by bench/make_catalog.py: every org of a synthetic catalog.\n"
        f'[hub]\nendpoint = "{endpoint}"\ninterval = "1h"\npage_size = {page_size}\n'
        f'since = "{SINCE}"\n'
        f"orgs = {names(catalog.orgs('original'))}\n"
        f"derivative_orgs = {names(catalog.orgs('derivative'))}\n\n"
        # Loopback: no politeness delay; Scrapy's default of 16 requests at a time.
        '[crawl]\ndelay = 0\nautothrottle = false\nper_domain = 16\ntime_limit = "6h"\n\n'
        # As a deployment would: the real vendors queued, other labs once popular.
        f"[notability]\norgs = {names([v[0] for v in VENDORS])}\n"
        "min_likes = 100\nmin_downloads = 10000\nmin_trending = 20\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, required=True, help="number of models")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="rebuild even if saved")
    parser.add_argument("--stats", action="store_true", help="print the mix")
    parser.add_argument("--sample", type=int, default=0, help="print N listing entries")
    parser.add_argument("--jsonl", help="write every full info object as JSON lines ('-': stdout)")
    parser.add_argument("--sources", type=Path, help="write a sources.toml for the catalog")
    parser.add_argument("--endpoint", default="http://127.0.0.1:8765", help="for --sources")
    args = parser.parse_args(argv)
    directory = ensure_catalog(args.size, args.seed, args.force)
    catalog = SyntheticCatalog.load(directory)
    if args.stats:
        print(orjson.dumps(catalog.stats(), option=orjson.OPT_INDENT_2).decode())
    step = max(catalog.size // max(args.sample, 1), 1)
    for i in range(0, catalog.size, step)[: args.sample]:
        print(orjson.dumps(catalog.model(i, full=False)).decode())
    if args.sources:
        args.sources.write_text(sources_toml(catalog, args.endpoint), encoding="utf-8")
    if args.jsonl:
        out = sys.stdout.buffer if args.jsonl == "-" else open(args.jsonl, "wb")  # noqa: SIM115
        try:
            for model in catalog.iter_models(full=True):
                out.write(orjson.dumps(model, option=orjson.OPT_APPEND_NEWLINE))
        except BrokenPipeError:
            pass
        finally:
            if out is not sys.stdout.buffer:
                out.close()
    if not (args.stats or args.sample or args.sources or args.jsonl):
        print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
