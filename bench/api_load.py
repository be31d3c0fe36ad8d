"""The read API under load, beside Datasette serving the same SQLite file.

100,000 accepted tools published through `store.publish` (the database is built once by
`api_tools.published_database` and kept under bench/out/). Each server runs in its own
process on loopback, under the same uvicorn settings: one worker, no reload, access log
off, uvicorn's default HTTP and loop implementations. The load generator is this process:
asyncio, C keep-alive connections, raw HTTP/1.1 over sockets, every request chosen in
advance from the same seeded mix, bounded by a request count and a time limit.

Query kinds (the same question to both servers; the first pages are checked to return the
same records before anything is timed):

    first page     /api/tools?limit=50              /db/tool.json?_size=50&_sort=id
    vendor         …&vendor=vendor 17               …&vendor_key=vendor 17
    license        …&license=mit                    …&license_key=mit
    commercial     …&commercial=false               …&commercial_use=0
    params range   …&min_params=7e9&max_params=8e9  …&params_max__gte=…&params_min__lte=…
    cursor         any of the above + cursor=…      + _next=… (tokens from walking each)
    one tool       /api/tools/tool-123              /db/tool.json?slug=tool-123

Datasette gets `_shape=objects&_nocount=1&_nofacet=1` on every request: records as objects
without a total count or facet suggestions, which is what toolscout's API answers. Its
database is opened mutable, as toolscout's is (crawls write to it). Toolscout does more for
one tool: its answer carries the sources and evidence behind the record (a second query).

Each kind runs alone (alternated runs per server, pooled), then the mix (10% first pages,
15% vendor, 10% license, 10% commercial, 10% size ranges, 15% cursor follow-ups, 30% one
tool) at C connections, alternated rounds pooled, then the mix at the --sweep counts. The
CPU column is the server process's CPU time per request (user + system, all threads).

The ceiling of the generator is measured against a trivial asyncio server (fixed answer of
the size of a typical page) and against uvicorn with a bare ASGI app (what any app under
this uvicorn can reach). No assertion: the targets are p99 <= 20 ms and throughput at
least Datasette's; the last lines say whether they are met.

    .venv/bin/python bench/api_load.py [--tools 100000] [--concurrency 8]
        [--requests 20000] [--seconds 15] [--rounds 3] [--sweep 1,4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent))  # after the root: bench/normalize.py

import httpx  # noqa: E402
from api_tools import LICENSES, OUT, SIZES, VENDORS, published_database  # noqa: E402

KINDS = ("first page", "vendor", "license", "commercial", "params range", "cursor", "one tool")
# Of every 100 requests: downstream sites mostly page through lists and open single records.
MIX = {
    "first page": 10,
    "vendor": 15,
    "license": 10,
    "commercial": 10,
    "params range": 10,
    "cursor": 15,
    "one tool": 30,
}
LIMIT = 50
DATASETTE_FLAGS = {"_shape": "objects", "_nocount": "1", "_nofacet": "1"}
P99_TARGET_MS = 20.0
SERVER_START_S = 600.0


# --------------------------------------------------------------------------- servers


def _uvicorn_config(app, port: int):
    import uvicorn

    return uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        workers=1,
        reload=False,
        access_log=False,
        log_level="warning",
        lifespan="on",
        server_header=False,
    )


def _toolscout_app(db: Path):
    from store.db import make_engine
    from web.app import create_app
    from web.config import EditorConfig

    # As `toolscout serve` builds it: publication sync every few seconds, the queue cache
    # warmed, the start-up heap frozen.
    engine = make_engine(f"sqlite:///{db}")
    return create_app(engine, EditorConfig(open_editor="bench"), freeze=True)


def _datasette_app(db: Path):
    from datasette.app import Datasette

    ds = Datasette([str(db)])  # default settings, mutable: like `datasette serve DB`
    asyncio.run(ds.invoke_startup())
    return ds.app()


def _asgi_app(body: bytes):
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


class _Fixed(asyncio.Protocol):
    """The trivial server: a fixed answer to every request, no parsing beyond its end."""

    answer = b""

    def connection_made(self, transport) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            self.buffer = self.buffer[end + 4 :]
            self.transport.write(self.answer)


def _serve_raw(port: int, body: bytes) -> None:
    _Fixed.answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Fixed, "127.0.0.1", port)
        print(f"http://127.0.0.1:{port}", flush=True)
        await server.serve_forever()

    asyncio.run(main())


def _serve(kind: str, db: Path | None, body_bytes: int) -> None:
    """Child process: serve `kind` on a free port, print its URL once it answers."""
    import uvicorn

    port = _free_port()
    body = b'{"items":[' + b"x" * max(0, body_bytes - 30) + b'],"next_cursor":null}'
    if kind == "raw":
        _serve_raw(port, body)
        return
    if kind == "toolscout":
        app = _toolscout_app(db)
    elif kind == "datasette":
        app = _datasette_app(db)
    else:
        app = _asgi_app(body)
    server = uvicorn.Server(_uvicorn_config(app, port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            sys.exit(1)
        time.sleep(0.05)
    if kind == "toolscout":
        # Start-up work off the request path: the queue cache and the first sync pass.
        while any(t.name == "queue-warm" for t in threading.enumerate()) or (
            app.state.sync.since is None
        ):
            time.sleep(0.1)
    print(f"http://127.0.0.1:{port}", flush=True)
    thread.join()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    kind: str
    url: str
    proc: subprocess.Popen

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system


@contextlib.contextmanager
def server(kind: str, db: Path | None = None, body_bytes: int = 0) -> Iterator[Server]:
    cmd = [sys.executable, __file__, "--serve", kind, "--body-bytes", str(body_bytes)]
    if db is not None:
        cmd += ["--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url.startswith("http"):
            raise RuntimeError(f"{kind} server did not start (exit {proc.poll()})")
        yield Server(kind, url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- the questions


@dataclass(frozen=True)
class Query:
    """One question, in neutral terms; each server's dialect spells it (`path`)."""

    kind: str
    filters: tuple[tuple[str, object], ...] = ()  # ("vendor", "Vendor 17"), ("min_params", 7e9)
    slug: str | None = None
    cursor: str | None = None  # the server's own token (cursor kinds only)

    def path(self, server: str, db_name: str, limit: int = LIMIT) -> str:
        if server == "toolscout":
            return self._toolscout(limit)
        return self._datasette(db_name, limit)

    def _toolscout(self, limit: int) -> str:
        if self.slug is not None:
            return f"/api/tools/{quote(self.slug)}"
        params: list[tuple[str, object]] = [("limit", limit)]
        for name, value in self.filters:
            if name == "vendor":
                params.append(("vendor", str(value).lower()))
            elif name == "license":
                params.append(("license", str(value).lower()))
            elif name == "commercial":
                params.append(("commercial", "true" if value else "false"))
            else:
                params.append((name, f"{value:g}"))
        if self.cursor:
            params.append(("cursor", self.cursor))
        return "/api/tools?" + urlencode(params)

    def _datasette(self, db_name: str, limit: int) -> str:
        base = f"/{quote(db_name)}/tool.json?"
        if self.slug is not None:
            return base + urlencode({"slug": self.slug, **DATASETTE_FLAGS})
        params: list[tuple[str, object]] = [("_size", limit), ("_sort", "id")]
        for name, value in self.filters:
            if name == "vendor":
                params.append(("vendor_key", str(value).lower()))
            elif name == "license":
                params.append(("license_key", str(value).lower()))
            elif name == "commercial":
                params.append(("commercial_use", 1 if value else 0))
            elif name == "min_params":  # the tool's size range overlaps [min, max]
                params.append(("params_max__gte", repr(float(value))))
            else:
                params.append(("params_min__lte", repr(float(value))))
        if self.cursor:
            params.append(("_next", self.cursor))
        return base + urlencode([*params, *DATASETTE_FLAGS.items()])


def random_filters(rng: random.Random, kind: str) -> tuple[tuple[str, object], ...]:
    if kind == "vendor":
        return (("vendor", rng.choice(VENDORS)),)
    if kind == "license":
        return (("license", rng.choice(LICENSES)["id"]),)
    if kind == "commercial":
        return (("commercial", rng.random() < 0.5),)
    if kind == "params range":
        low, high = sorted(rng.sample(SIZES, 2))
        return rng.choice(
            [(("min_params", low),), (("max_params", high),), (("min_params", low), ("max_params", high))]
        )  # fmt: skip
    return ()


def page_of(server: str, body: dict) -> tuple[list[str], str | None]:
    """The slugs of a page and the token of the next one, in either server's answer."""
    if server == "toolscout":
        return [t["slug"] for t in body["items"]], body["next_cursor"]
    return [r["slug"] for r in body["rows"]], body.get("next")


def walk(client: httpx.Client, server: str, db_name: str, query: Query, pages: int, limit: int):
    """Follow `pages` pages of `query`; the tokens met on the way (page 2, 3, …)."""
    tokens, cursor, first = [], None, None
    for _ in range(pages):
        q = Query(query.kind, query.filters, cursor=cursor)
        response = client.get(q.path(server, db_name, limit))
        response.raise_for_status()
        slugs, cursor = page_of(server, response.json())
        first = slugs if first is None else first
        if not cursor:
            break
        tokens.append(cursor)
    return first or [], tokens


@dataclass
class Workload:
    """Every request of a run, spelled for each server; built once, the same for both."""

    sequence: list[Query]  # the mix, in order
    by_kind: dict[str, list[Query]]  # each kind alone


def cursor_queries(
    servers: dict[str, str], db_name: str, tools: int, rng: random.Random
) -> dict[str, list[Query]]:
    """Cursor follow-ups as each server spells them: one walk of the whole list (500 a page)
    for deep cursors, a few pages of random filters; the first pages must agree."""
    bases = [Query("cursor", random_filters(rng, rng.choice(KINDS[1:5]))) for _ in range(40)]
    depth = [rng.randint(2, 6) for _ in bases]
    found: dict[str, list[Query]] = {}
    firsts: dict[str, list] = {}
    for name, url in servers.items():
        with httpx.Client(base_url=url, timeout=120) as client:
            _, deep = walk(client, name, db_name, Query("cursor"), tools // 500 + 1, 500)
            queries = [Query("cursor", cursor=token) for token in deep]
            firsts[name] = []
            for base, pages in zip(bases, depth, strict=True):
                first, tokens = walk(client, name, db_name, base, pages, LIMIT)
                firsts[name].append(first)
                queries += [Query("cursor", base.filters, cursor=t) for t in tokens]
            found[name] = queries
    names = list(servers)
    for name in names[1:]:
        if firsts[name] != firsts[names[0]] or len(found[name]) != len(found[names[0]]):
            raise SystemExit(f"{name} and {names[0]} disagree on the same filters: not comparable")
    return found


def agree_on_first_pages(servers: dict[str, str], db_name: str, queries: list[Query]) -> None:
    answers = {}
    for name, url in servers.items():
        with httpx.Client(base_url=url, timeout=120) as client:
            answers[name] = []
            for q in queries:
                response = client.get(q.path(name, db_name))
                response.raise_for_status()
                body = response.json()
                if q.slug is not None:
                    slug = body["slug"] if name == "toolscout" else body["rows"][0]["slug"]
                    answers[name].append([slug])
                else:
                    answers[name].append(page_of(name, body)[0])
    first, *rest = servers
    for name in rest:
        for q, a, b in zip(queries, answers[first], answers[name], strict=True):
            if a != b:
                raise SystemExit(f"{first} and {name} answer {q} differently: not comparable")


def build_workload(
    servers: dict[str, str], db_name: str, tools: int, requests: int, seed: int
) -> tuple[Workload, dict[str, list[Query]]]:
    rng = random.Random(seed)
    cursors = cursor_queries(servers, db_name, tools, rng)
    count = len(next(iter(cursors.values())))

    def one(kind: str) -> Query:
        if kind == "one tool":
            return Query(kind, slug=f"tool-{rng.randrange(tools)}")
        if kind == "cursor":
            return Query(kind, cursor=str(rng.randrange(count)))  # an index into `cursors`
        return Query(kind, random_filters(rng, kind))

    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    sequence = [one(k) for k in rng.choices(kinds, weights, k=requests)]
    by_kind = {k: [one(k) for _ in range(max(1000, requests // 4))] for k in kinds}
    checked = [q for k in kinds if k != "cursor" for q in by_kind[k][:15]]
    agree_on_first_pages(servers, db_name, checked)
    return Workload(sequence, by_kind), cursors


def spell(
    queries: list[Query], server: str, db_name: str, cursors: dict[str, list[Query]], port: int
) -> list[tuple[str, bytes]]:
    """The raw HTTP/1.1 requests, keep-alive, for one server."""
    out = []
    for q in queries:
        if server not in cursors:  # a ceiling server: the same sequence, one answer
            path = "/"
        elif q.kind == "cursor":
            path = cursors[server][int(q.cursor)].path(server, db_name)
        else:
            path = q.path(server, db_name)
        out.append((q.kind, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()))
    return out


# --------------------------------------------------------------------------- the generator


@dataclass
class Run:
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)  # ms, per kind
    errors: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def all(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        await reader.readexactly(int(lower[at + 17 : end]))
    elif b"\r\ntransfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _load(port: int, requests: list[tuple[str, bytes]], concurrency: int, seconds: float):
    run = Run(0.0, {kind: [] for kind, _ in requests})
    position = 0
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal position
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while position < len(requests) and time.perf_counter() < deadline:
                kind, request = requests[position]
                position += 1
                start = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                run.latencies[kind].append((time.perf_counter() - start) * 1000)
                run.errors += status != 200
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - start
    return run


def load(
    target: Server,
    requests: list[tuple[str, bytes]],
    concurrency: int,
    seconds: float,
    warmup: int = 200,
) -> Run:
    """Warm up (not counted), then the bounded run; the server's and our CPU seconds."""
    asyncio.run(_load(target.port, requests[-warmup:], concurrency, seconds))
    cpu, mine = target.cpu_seconds(), time.process_time()
    run = asyncio.run(_load(target.port, requests, concurrency, seconds))
    run.server_cpu = target.cpu_seconds() - cpu
    run.client_cpu = time.process_time() - mine
    return run


# --------------------------------------------------------------------------- report


def merge(runs: list[Run]) -> Run:
    """Alternated rounds pooled: every latency, all requests over all the time."""
    kinds = {k for run in runs for k in run.latencies}
    return Run(
        sum(r.seconds for r in runs),
        {k: [x for r in runs for x in r.latencies.get(k, [])] for k in kinds},
        sum(r.errors for r in runs),
        sum(r.server_cpu for r in runs),
        sum(r.client_cpu for r in runs),
    )


def alternate(
    servers: dict[str, Server],
    requests: dict[str, list[tuple[str, bytes]]],
    concurrency: int,
    seconds: float,
    rounds: int,
) -> dict[str, Run]:
    """Each server in turn, `rounds` times: slow phases of a shared machine hit both."""
    runs: dict[str, list[Run]] = {name: [] for name in servers}
    for _ in range(rounds):
        for name, target in servers.items():
            runs[name].append(load(target, requests[name], concurrency, seconds))
    return {name: merge(r) for name, r in runs.items()}


def cpu_ms(run: Run) -> float:
    return run.server_cpu / run.count * 1000 if run.count else float("nan")


def row(label: str, runs: dict[str, Run]) -> str:
    cells = [f"{label:14}"]
    for run in runs.values():
        values = run.all()
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        cells.append(f"{run.rate():6.0f} {p50:6.2f} {p99:7.2f} {cpu_ms(run):6.2f}")
    ts, ds = runs.values()
    ratio = ts.rate() / ds.rate() if ds.rate() else float("nan")
    errors = ts.errors + ds.errors
    cells.append(f"{ratio:5.2f}" + (f"  ({errors} errors)" if errors else ""))
    return " | ".join(cells)


def header() -> str:
    side = f"{'req/s':>6} {'p50':>6} {'p99':>7} {'CPU':>6}"
    top = f"{'':14} | {'toolscout':^28} | {'Datasette':^28} | ratio"
    return f"{top}\n{'query kind':14} | {side} | {side} | ts/ds"


def summary(run: Run) -> dict:
    values = run.all()
    return {
        "requests": run.count,
        "seconds": round(run.seconds, 3),
        "rps": round(run.rate(), 1),
        "p50_ms": round(percentile(values, 0.5), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "errors": run.errors,
        "server_cpu_ms_per_request": round(cpu_ms(run), 3),
        "generator_cpu_ms_per_request": round(run.client_cpu / run.count * 1000, 3)
        if run.count
        else None,
        "per_kind": {
            k: {
                "requests": len(v),
                "p50_ms": round(percentile(v, 0.5), 2),
                "p99_ms": round(percentile(v, 0.99), 2),
            }
            for k, v in sorted(run.latencies.items())
            if v
        },
    }


def uvicorn_stack() -> str:
    import importlib.util

    import uvicorn

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return (
        f"uvicorn {uvicorn.__version__} ({http}, {loop} loop), 1 worker, no reload, access log off"
    )


def load_average() -> str:
    return f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--requests", type=int, default=20_000, help="per mixed run, at most")
    parser.add_argument("--seconds", type=float, default=15.0, help="per mixed run, at most")
    parser.add_argument("--rounds", type=int, default=3, help="mixed runs per server, alternated")
    parser.add_argument("--kind-seconds", type=float, default=3.0, help="per run of one kind")
    parser.add_argument("--kind-rounds", type=int, default=2, help="runs of one kind per server")
    parser.add_argument("--sweep", default="1,4", help="other connection counts for the mix")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", choices=("toolscout", "datasette", "asgi", "raw"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--body-bytes", type=int, default=0)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.db, args.body_bytes)
        return

    import importlib.util

    if importlib.util.find_spec("datasette") is None:
        raise SystemExit("datasette is missing: .venv/bin/pip install -e '.[dev,bench]'")
    db = published_database(args.tools)
    db_name, c = db.stem, args.concurrency
    print(f"read API under load: {args.tools} published tools in SQLite ({db.name})")
    print(f"servers: {uvicorn_stack()}; each in its own process")
    print(f"load: {c} keep-alive connections, asyncio + raw sockets, in one process")
    print(f"load average at start: {load_average()}")
    results: dict = {"tools": args.tools, "concurrency": c, "stack": uvicorn_stack()}
    with server("toolscout", db) as ts, server("datasette", db) as ds:
        servers = {"toolscout": ts, "datasette": ds}
        started = time.perf_counter()
        workload, cursors = build_workload(
            {n: s.url for n, s in servers.items()}, db_name, args.tools, args.requests, args.seed
        )
        print(
            f"prepared in {time.perf_counter() - started:.0f}s: {len(cursors['toolscout'])} "
            "cursor tokens per server; both servers give the same first pages"
        )
        body = _typical_body(ts.url)
        with server("raw", body_bytes=body) as raw, server("asgi", body_bytes=body) as bare:
            ceilings = {}
            for target in (raw, bare):
                requests = spell(workload.sequence, target.kind, db_name, cursors, target.port)
                ceilings[target.kind] = load(target, requests, c, args.seconds / 3)
        raw_run, bare_run = ceilings["raw"], ceilings["asgi"]
        print(
            f"generator ceiling, {body // 1024} KB answers: trivial asyncio server "
            f"{raw_run.rate():.0f} req/s (p99 {percentile(raw_run.all(), 0.99):.2f} ms, "
            f"generator CPU {raw_run.client_cpu / raw_run.count * 1000:.3f} ms/req); "
            f"uvicorn + bare ASGI app {bare_run.rate():.0f} req/s "
            f"(server CPU {cpu_ms(bare_run):.2f} ms/req)"
        )
        results["body_bytes"] = body
        results["ceiling"] = {k: summary(v) for k, v in ceilings.items()}

        print()
        print("latency in ms, CPU = server CPU ms per request")
        print(header())
        per_kind: dict[str, dict[str, Run]] = {}
        for kind in MIX:
            requests = {
                n: spell(workload.by_kind[kind], n, db_name, cursors, s.port)
                for n, s in servers.items()
            }
            per_kind[kind] = alternate(servers, requests, c, args.kind_seconds, args.kind_rounds)
            print(row(kind, per_kind[kind]))
        mixed_requests = {
            n: spell(workload.sequence, n, db_name, cursors, s.port) for n, s in servers.items()
        }
        mixed = alternate(servers, mixed_requests, c, args.seconds, args.rounds)
        print(row(f"mix, C={c}", mixed))
        swept = {}
        for level in sorted({int(x) for x in args.sweep.split(",") if x.strip()} - {c}):
            swept[level] = alternate(servers, mixed_requests, level, args.seconds / 3, 1)
            print(row(f"mix, C={level}", swept[level]))

    ratio = mixed["toolscout"].rate() / mixed["datasette"].rate()
    p99 = percentile(mixed["toolscout"].all(), 0.99)
    shares = ", ".join(
        f"{n} {r.server_cpu / r.seconds * 100:.0f}%" for n, r in mixed.items() if r.seconds
    )
    print()
    print(
        f"kinds: {args.kind_rounds} alternated runs of at most {args.kind_seconds:g} s each; "
        f"mix ({', '.join(f'{k} {v}%' for k, v in MIX.items())}): {args.rounds} alternated "
        f"runs of at most {args.requests} requests or {args.seconds:g} s, pooled"
    )
    print(f"one core's time the servers got during the mix: {shares}")
    print(f"load average at the end: {load_average()}")
    met = "met" if p99 <= P99_TARGET_MS else "NOT met"
    print(f"target p99 <= {P99_TARGET_MS:g} ms with {c} connections: {met} ({p99:.2f} ms)")
    met = "met" if ratio >= 1 else "NOT met"
    print(f"target throughput >= Datasette's: {met} (toolscout / Datasette = {ratio:.2f})")
    results["kinds"] = {k: {n: summary(r) for n, r in v.items()} for k, v in per_kind.items()}
    results["mix"] = {n: summary(r) for n, r in mixed.items()}
    results["sweep"] = {level: {n: summary(r) for n, r in v.items()} for level, v in swept.items()}
    results["ratio"] = round(ratio, 3)
    results["load_average"] = os.getloadavg()
    (OUT / "api_load.json").write_text(json.dumps(results, indent=1))


def _typical_body(url: str) -> int:
    """The size of a first page of 50 from toolscout: the ceiling servers answer as much."""
    return len(httpx.get(f"{url}/api/tools?limit={LIMIT}", timeout=60).content)


if __name__ == "__main__":
    main()
