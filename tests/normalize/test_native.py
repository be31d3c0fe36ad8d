"""The compiled normalizers (mypyc, setup.py) run the same rules as their Python sources.

`make test` runs the whole suite on the compiled build (TOOLSCOUT_EXPECT_NATIVE=1 checks that it
is the one loaded) and the normalizer tests again on the sources. Here: the two builds give the
same bytes for a mixed corpus, and a build older than its sources is never loaded.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from normalize import native

ROOT = Path(__file__).resolve().parents[2]
compiled = pytest.mark.skipif(
    native.status != "compiled", reason=f"normalizers not compiled here ({native.status})"
)


def _bench_corpus(size: int, seed: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_normalize", ROOT / "bench/normalize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_corpus(size, seed)


def _python(code: str, env: dict[str, str], stdin: bytes = b"", cwd: Path | None = None) -> bytes:
    """What `code` prints in a new interpreter with `env` added to this one's."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=300,
        check=True,
    )
    return done.stdout


def _normalize_cli(corpus: bytes, env: dict[str, str]) -> bytes:
    code = "import sys; from normalize.record import normalize_stream; "
    code += "normalize_stream(sys.stdin.buffer, sys.stdout.buffer)"
    return _python(code, env, stdin=corpus)


def _status(env: dict[str, str], cwd: Path | None = None) -> list[str]:
    code = "import normalize.params as p; from normalize import native; "
    code += "print(native.status); print(p.__file__)"
    return _python(code, env, cwd=cwd).decode().splitlines()


@pytest.mark.skipif(os.environ.get("TOOLSCOUT_EXPECT_NATIVE") != "1", reason="not under make test")
def test_make_test_runs_the_compiled_build():
    from normalize import params, record

    assert native.status == "compiled"
    assert not params.__file__.endswith(".py")
    assert not record.__file__.endswith(".py")


@compiled
def test_compiled_and_python_builds_agree_on_a_mixed_corpus():
    # Malformed lines too: the error objects must match as well.
    lines = _bench_corpus(3000, seed=11) + ["{", '{"card": 7}', '["not", "an", "object"]']
    corpus = ("\n".join(lines) + "\n").encode()
    native_out = _normalize_cli(corpus, {"TOOLSCOUT_PURE_PYTHON": ""})
    python_out = _normalize_cli(corpus, {"TOOLSCOUT_PURE_PYTHON": "1"})
    assert native_out.count(b"\n") == len(lines)
    differing = [
        (number, a[:200], b[:200])
        for number, (a, b) in enumerate(
            zip(native_out.splitlines(), python_out.splitlines(), strict=True), 1
        )
        if a != b
    ]
    assert differing == []


@compiled
def test_pure_python_is_loaded_when_asked():
    status, path = _status({"TOOLSCOUT_PURE_PYTHON": "1"})
    assert status.startswith("python (asked")
    assert path.endswith("params.py")


@compiled
def test_a_build_older_than_its_sources_is_not_loaded(tmp_path):
    # A copy of the package with its build, then one source edited after the build.
    copy = tmp_path / "normalize"
    shutil.copytree(ROOT / "normalize", copy, ignore=shutil.ignore_patterns("__pycache__"))
    for lib in ROOT.glob("normalize__mypyc.*"):
        shutil.copy(lib, tmp_path)
    env = {"PYTHONPATH": str(tmp_path), "TOOLSCOUT_PURE_PYTHON": ""}
    status, path = _status(env, cwd=tmp_path)
    assert (status, Path(path).parent) == ("compiled", copy)
    with (copy / "vendors.py").open("a") as source:
        source.write("\n# an edit after the build\n")
    status, path = _status(env, cwd=tmp_path)
    assert status.startswith("python (sources changed")
    assert path == str(copy / "params.py")
