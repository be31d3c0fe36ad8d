"""Build: the normalizers compiled with mypyc where a C compiler is at hand, Python otherwise.

The step modules of `normalize/` (params, licenses, pricing, …) are plain typed Python; mypyc
compiles them into C extensions that run the same code about 1.5x faster (docs/performance.md).
The sources stay the reference: `normalize/native.py` loads them instead of a build made from
older sources, and `TOOLSCOUT_PURE_PYTHON=1` asks for them at run time.

TOOLSCOUT_NATIVE at build time: unset, a failed compile falls back to the Python sources with a
warning; `0` skips compiling; `require` makes a failed compile fail the install (CI, `make`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
MODE = os.environ.get("TOOLSCOUT_NATIVE", "")


def _native_module():
    # Loaded by path: importing the package would run its __init__ in the build environment.
    spec = importlib.util.spec_from_file_location("_toolscout_native", ROOT / "normalize/native.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NATIVE = _native_module()


class BuildExt(build_ext):
    """Compiles the extensions, then records which sources they were built from; a failed
    compile leaves the pure-Python package (unless TOOLSCOUT_NATIVE=require)."""

    def run(self) -> None:
        stamps = [ROOT / "normalize" / NATIVE.STAMP.name]
        if not self.inplace:
            stamps.append(Path(self.build_lib) / "normalize" / NATIVE.STAMP.name)
        for stamp in stamps:
            stamp.unlink(missing_ok=True)  # no stamp until this build has succeeded
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - compiling is an optimisation
            if MODE == "require":
                raise
            print(
                f"toolscout: normalizers not compiled ({exc}); using the Python sources",
                file=sys.stderr,
            )
            return
        record = {"sources": NATIVE.sources_digest(ROOT / "normalize"), "compiler": "mypyc"}
        for stamp in stamps:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(json.dumps(record) + "\n")


def _extensions() -> list:
    if MODE == "0":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        if MODE == "require":
            raise
        print("toolscout: mypyc not installed; the normalizers run as Python", file=sys.stderr)
        return []
    sources = [str(path.relative_to(ROOT)) for path in NATIVE.compiled_sources(ROOT / "normalize")]
    try:
        extensions = mypycify(
            ["--ignore-missing-imports", *sources], opt_level="3", group_name="normalize"
        )
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error it cannot compile
        if MODE == "require":
            raise
        print(
            f"toolscout: normalizers not compiled ({exc!r}); using the Python sources",
            file=sys.stderr,
        )
        return []
    if sys.platform != "win32":
        for extension in extensions:
            # The compiled modules share one library whose functions call each other
            # constantly; by default every such call goes through the PLT and none can be
            # inlined, since a shared library's global functions could be replaced at load
            # time. Nothing replaces them here (docs/performance.md: 2-3% on the bench).
            extension.extra_compile_args.append("-fno-semantic-interposition")
    return extensions


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
