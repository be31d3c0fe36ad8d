"""The package boundaries (pyproject.toml's [tool.importlinter]), checked on every test run:
CI runs only `make test`, so the contracts are part of the suite as well as `make lint`.

Each contract is also shown to break: a small project laid out like this one, with the same
contracts and one import across a boundary, fails `lint-imports` with that contract named.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
# Every module the contracts name, so the layers exist in the small project.
MODULES = (
    "normalize/__init__.py", "store/__init__.py", "web/__init__.py", "spiders/__init__.py",
    "fixtures/__init__.py", "ingest/__init__.py", "ingest/cli.py", "ingest/schedule.py",
    "ingest/renormalize.py", "ingest/pipelines.py", "ingest/crawl.py", "ingest/observe.py", "ingest/fetch/__init__.py",
    "ingest/sources.py", "ingest/run_clock.py", "ingest/environment.py", "ingest/settings.py",
)  # fmt: skip


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("contract", "files"),
    [
        ("normalize imports no other package", {"normalize/text.py": "import store\n"}),
        ("store imports nothing from ingest", {"store/resolve.py": "import ingest.sources\n"}),
        ("store imports nothing from ingest", {"store/queue.py": "import web\n"}),
        ("web imports nothing from ingest or spiders", {"web/pages.py": "import spiders\n"}),
        ("the product does not import fixtures", {"ingest/demo.py": "import fixtures\n"}),
        ("one direction", {"ingest/fetch/ratelimit.py": "import ingest.crawl\n"}),
        ("one direction", {"spiders/base.py": "import ingest.pipelines\n"}),
        (
            "no import cycles",
            {
                "store/queue.py": "import store.publish\n",
                "store/publish.py": "import store.queue\n",
            },
        ),
    ],
)
def test_an_import_across_a_boundary_breaks_its_contract(tmp_path, contract, files):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name in MODULES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    assert lint_imports(tmp_path).returncode == 0  # the empty layout keeps every contract
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
