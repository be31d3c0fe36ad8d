"""Which build of the normalizers runs: the mypyc-compiled modules, or their Python sources.

`pip install` compiles the step modules of this package with mypyc (setup.py) when a C
compiler is at hand; the Python sources stay the reference and the fallback. A compiled module
built from older sources would run old rules silently, so the build records a digest of the
sources it compiled (`native.json`), and when the sources on disk no longer match it (an edit
since the last build) every module of the package is loaded from its source instead, with one
warning. `TOOLSCOUT_PURE_PYTHON=1` asks for the sources whatever was built.

This module is never compiled: it decides how the others are loaded.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
STAMP = PACKAGE_DIR / "native.json"
# The modules that are never compiled: the package itself and this module.
NOT_COMPILED = frozenset({"__init__.py", "native.py"})
PURE_ENV = "TOOLSCOUT_PURE_PYTHON"

log = logging.getLogger("toolscout.normalize")

# What `activate` found: "compiled", "python", "python (asked by TOOLSCOUT_PURE_PYTHON)" or
# "python (sources changed since the build …)".
status = "python"


def compiled_sources(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The modules mypyc compiles, in a stable order."""
    return sorted(p for p in package_dir.glob("*.py") if p.name not in NOT_COMPILED)


def sources_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the names and bytes of the compiled modules' sources."""
    digest = hashlib.sha256()
    for path in compiled_sources(package_dir):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _has_build(package_dir: Path = PACKAGE_DIR) -> bool:
    """Whether a compiled extension lies next to any of the compiled modules' sources."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return any(
        (package_dir / (path.stem + suffix)).exists()
        for path in compiled_sources(package_dir)
        for suffix in suffixes
    )


def _stamp_digest() -> str | None:
    try:
        return json.loads(STAMP.read_text())["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def profile_guided() -> bool:
    """Whether the compiled build was profile-guided (setup.py trains it on the fixtures)."""
    try:
        return json.loads(STAMP.read_text()).get("profile_guided") is True
    except (OSError, ValueError, AttributeError):
        return False


def _built_from_these_sources() -> bool:
    return _stamp_digest() == sources_digest()


def build_current() -> bool:
    """Whether compiled modules exist and were built from the sources on disk."""
    return _has_build() and _built_from_these_sources()


class _SourceFinder:
    """Loads `normalize.<module>` from its `.py` file, ahead of a compiled extension."""

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        package, _, module = fullname.partition(".")
        if package != __package__ or not module or "." in module:
            return None
        source = PACKAGE_DIR / f"{module}.py"
        if not source.is_file():
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def activate() -> str:
    """Choose the build for this process (called once, by the package's `__init__`)."""
    global status
    if not _has_build():
        status = "python"
        return status
    if os.environ.get(PURE_ENV) == "1":
        status = f"python (asked by {PURE_ENV})"
    elif not _built_from_these_sources():
        status = "python (sources changed since the build; `make native` rebuilds it)"
        log.warning("compiled normalizers are older than their sources: running the sources")
    else:
        status = "compiled"
        return status
    if not any(isinstance(finder, _SourceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder())
    return status
