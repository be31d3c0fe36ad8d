"""What the benchmark scripts share: servers they start, and how they measure a process.

- `replay_server()`: the replay server on a saved synthetic catalog, in its own process
  (so it does not share a GIL with what it serves), with its request counts.
- `postgres_server()`: a throwaway PostgreSQL cluster in a temporary directory, as
  tests/conftest.py starts one, and `fresh_database()`.
- `measure()`: run a command and report its wall time and peak memory: the largest
  single process (`getrusage(RUSAGE_CHILDREN)` of a wrapper, exact) and the whole tree
  (psutil, sampled every 0.1 s), because `toolscout crawl` runs its crawl in a child.

Run as `python bench/_common.py --rusage OUT -- CMD…` it is that wrapper.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MB = 1024 * 1024


# --------------------------------------------------------------------------- replay


@dataclass
class Replay:
    url: str
    proc: subprocess.Popen

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_replay/stats", timeout=30) as resp:
            return json.loads(resp.read())


@contextlib.contextmanager
def replay_server(spec: str | Path) -> Iterator[Replay]:
    """`python -m fixtures.replay --synthetic SPEC` on a free port, stopped on exit."""
    cmd = [PYTHON, "-m", "fixtures.replay", "--synthetic", str(spec), "--port", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url.startswith("http"):
            raise RuntimeError(f"replay server did not start (exit {proc.poll()})")
        yield Replay(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def delta(after: dict, before: dict) -> dict:
    return {
        k: v - before.get(k, 0)
        for k, v in after.items()
        if isinstance(v, int) and k not in ("models",)
    }


# --------------------------------------------------------------------------- postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_pg_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres_server() -> Iterator[str | None]:
    """URL of a PostgreSQL server started in a temporary directory; None if not installed.

    fsync stays on (unlike the test suite's server): a benchmark measures what a
    deployment pays for durable commits.
    """
    bindir = _pg_bindir()
    if bindir is None:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="toolscout-bench-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
    port, data = _free_port(), tmp / "data"
    subprocess.run(
        _as_pg_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB"
    ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log")]
    subprocess.run(_as_pg_user([*ctl, "-o", opts, "-w", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_pg_user([*ctl, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def database_bytes(url: str) -> int:
    """Size of the store: the SQLite file with its WAL, or pg_database_size."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size)


def count_rows(url: str, tables: tuple[str, ...]) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
    engine.dispose()
    return counts


# --------------------------------------------------------------------------- measuring


@dataclass
class Measured:
    seconds: float
    exit_code: int
    peak_rss: int  # bytes, largest single process of the tree (exact, from getrusage)
    peak_tree_rss: int  # bytes, whole tree summed (sampled)
    cpu_seconds: float  # user + system time of the whole tree
    samples: list[tuple[float, dict]] = field(default_factory=list)  # from `poll`


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    with contextlib.suppress(psutil.Error):
        for p in proc.children(recursive=True):  # not the wrapper itself
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
    return total


def measure(
    cmd: list[str],
    env: dict | None = None,
    *,
    poll: Callable[[], dict] | None = None,
    poll_every: float = 5.0,
    stdout=subprocess.DEVNULL,
    cwd: Path = ROOT,
) -> Measured:
    """Run `cmd` to its end through the rusage wrapper (in `cwd`); sample its tree's RSS
    meanwhile."""
    import psutil

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        report = Path(tmp.name)
    wrapper = [PYTHON, str(Path(__file__).resolve()), "--rusage", str(report), "--", *cmd]
    proc = subprocess.Popen(wrapper, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.STDOUT)
    ps = psutil.Process(proc.pid)
    peak_tree, samples, next_poll = 0, [], time.monotonic() + poll_every
    t0 = time.monotonic()
    while proc.poll() is None:
        peak_tree = max(peak_tree, _tree_rss(ps))
        if poll and time.monotonic() >= next_poll:
            with contextlib.suppress(OSError, ValueError):
                samples.append((time.monotonic() - t0, poll()))
            next_poll += poll_every
        time.sleep(0.1)
    try:
        result = json.loads(report.read_text())
    finally:
        report.unlink(missing_ok=True)
    return Measured(
        seconds=result["seconds"],
        exit_code=result["exit_code"],
        peak_rss=result["maxrss_kb"] * 1024,
        peak_tree_rss=max(peak_tree, result["maxrss_kb"] * 1024),
        cpu_seconds=result["cpu_seconds"],
        samples=samples,
    )


def _rusage_main(argv: list[str]) -> int:
    """The wrapper: run the command, then write its time and its tree's largest RSS."""
    report, cmd = Path(argv[1]), argv[argv.index("--") + 1 :]
    t0 = time.perf_counter()
    code = subprocess.call(cmd)
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant
    cpu = usage.ru_utime + usage.ru_stime
    report.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "exit_code": code,
                "maxrss_kb": usage.ru_maxrss,
                "cpu_seconds": cpu,
            }
        )
    )
    return 0


# --------------------------------------------------------------------------- printing


def fmt_mb(n: float | None) -> str:
    return "—" if n is None else f"{n / MB:,.0f} MB"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = lambda r: "  ".join(str(x).rjust(w) for x, w in zip(r, widths, strict=False))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


class Heartbeat:
    """Prints a dot every few seconds to stderr, so a long run shows it is alive."""

    def __init__(self, every: float = 30.0) -> None:
        self.every, self._stop = every, threading.Event()

    def __enter__(self) -> Heartbeat:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            print(".", end="", file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        self._stop.set()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--rusage":
        sys.exit(_rusage_main(sys.argv[1:]))
    sys.exit("usage: python bench/_common.py --rusage OUT -- CMD [ARG…]")
