"""Build: the normalizers compiled with mypyc where a C compiler is at hand, Python otherwise.

The step modules of `normalize/` (params, licenses, pricing, …) are plain typed Python; mypyc
compiles them into C extensions that run the same code about 2.6x faster (docs/performance.md).
The sources stay the reference: `normalize/native.py` loads them instead of a build made from
older sources, and `TOOLSCOUT_PURE_PYTHON=1` asks for them at run time.

TOOLSCOUT_NATIVE at build time: unset, a failed compile falls back to the Python sources with a
warning; `0` skips compiling; `require` makes a failed compile fail the install (CI, `make`).

With GCC on Linux the build is profile-guided (PGO): the library is compiled instrumented, run
over the bundled fixtures (`fixtures/pgo_training.py`), and compiled again with the counts it
recorded, which makes the normalizers about 5% faster (docs/performance.md) for a second
compile. `TOOLSCOUT_PGO=0` skips it; a training run that fails leaves a plain build.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
MODE = os.environ.get("TOOLSCOUT_NATIVE", "")
PGO = os.environ.get("TOOLSCOUT_PGO", "")
PGO_TRAINING_SECONDS = 900


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
            guided = self._build()
        except Exception as exc:  # noqa: BLE001 - compiling is an optimisation
            if MODE == "require":
                raise
            print(
                f"toolscout: normalizers not compiled ({exc}); using the Python sources",
                file=sys.stderr,
            )
            return
        record = {
            "sources": NATIVE.sources_digest(ROOT / "normalize"),
            "compiler": "mypyc",
            "profile_guided": guided,
        }
        for stamp in stamps:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(json.dumps(record) + "\n")

    def _build(self) -> bool:
        """Compiles the extensions; True when the build is profile-guided."""
        if PGO == "0" or not self.extensions or sys.platform != "linux" or not _gcc():
            super().run()
            return False
        flags = [
            (list(ext.extra_compile_args), list(ext.extra_link_args)) for ext in self.extensions
        ]
        compiler = self.compiler  # a name until `run` replaces it with the compiler object
        with tempfile.TemporaryDirectory(prefix="toolscout-pgo-") as tmp:
            profile = Path(tmp, "profile")
            _say("profile-guided build: compiling with instrumentation (1 of 2)")
            generate = [f"-fprofile-generate={profile}"]
            self._set_flags(flags, [*generate, "-fprofile-update=single"], generate)
            self.force = True  # both compiles are full ones
            super().run()
            trained = self._train(Path(tmp, "training"))
            # Functions the training never ran are optimised as usual, not for size: real input
            # reaches code the fixtures do not.
            use = [f"-fprofile-use={profile}", "-fprofile-correction", "-fprofile-partial-training"]
            _say(f"profile-guided build: compiling {'with' if trained else 'without'} the profile")
            self._set_flags(flags, [*use, "-Wno-missing-profile"] if trained else [], [])
            self.compiler = compiler
            super().run()
        return trained

    def _set_flags(self, flags: list, compile_args: list[str], link_args: list[str]) -> None:
        for ext, (compile_base, link_base) in zip(self.extensions, flags, strict=True):
            ext.extra_compile_args = [*compile_base, *compile_args]
            ext.extra_link_args = [*link_base, *link_args]

    def _train(self, where: Path) -> bool:
        """Runs the instrumented build over the fixtures, from a copy of the package laid out
        as an install; False (and a warning) when the run fails."""
        package = where / "normalize"
        shutil.copytree(
            ROOT / "normalize",
            package,
            ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", NATIVE.STAMP.name),
        )
        for ext in self.extensions:
            built = Path(self.get_ext_fullpath(ext.name))
            shutil.copy2(built, where.joinpath(*ext.name.split(".")[:-1], built.name))
        stamp = {"sources": NATIVE.sources_digest(package), "compiler": "mypyc"}
        (package / NATIVE.STAMP.name).write_text(json.dumps(stamp) + "\n")
        path = [str(where), str(ROOT), os.environ.get("PYTHONPATH", "")]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path if p))
        env.pop(NATIVE.PURE_ENV, None)
        _say("profile-guided build: training on the fixtures")
        try:
            run = subprocess.run(
                [sys.executable, "-m", "fixtures.pgo_training"],
                cwd=where,
                env=env,
                capture_output=True,
                text=True,
                timeout=PGO_TRAINING_SECONDS,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            _say(f"profile-guided build: training did not run ({exc})")
            return False
        if run.returncode != 0:
            _say(f"profile-guided build: training failed: {run.stderr.strip()[-600:]}")
            return False
        _say(run.stdout.strip())
        return True


def _say(message: str) -> None:
    print(f"toolscout: {message}", file=sys.stderr, flush=True)


def _gcc() -> bool:
    """Whether the C compiler is GCC (clang takes other profile flags and a merge step)."""
    command = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    try:
        version = subprocess.run(
            [command[0], "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError, IndexError):
        return False
    return "Free Software Foundation" in version and "clang" not in version.lower()


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
