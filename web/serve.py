"""Running the web server: `toolscout serve` alone, `toolscout run` beside the scheduler.

`toolscout run` is one process: uvicorn serves in a thread while the scheduler owns the main
thread and its signal handlers. SIGTERM/SIGINT stop the scheduler (running crawls get their
grace time); the web server then finishes the requests in flight and stops.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import uvicorn

from web.app import StatusRows, create_app
from web.config import EditorConfig, check_bind, config_from_env

log = logging.getLogger("toolscout.web")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def server_config(
    host: str,
    port: int,
    config: EditorConfig | None = None,
    app: Any = None,
    status_rows: StatusRows | None = None,
    **kw: Any,
):
    """uvicorn's config for our app (or `app`, built with the same `config`: the tests'),
    after checking that this address may be served."""
    config = config or config_from_env()
    check_bind(host, config)
    return uvicorn.Config(
        app or create_app(config=config, freeze=True, status_rows=status_rows),
        host=host,
        port=port,
        # X-Forwarded-For/-Proto only from the proxies the operator named: believed from
        # anyone (uvicorn's default trusts loopback), a rotated X-Forwarded-For would give
        # every login attempt a client of its own, past the throttle.
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=",".join(config.trusted_proxies) or None,
        server_header=False,
        timeout_graceful_shutdown=STOP_TIMEOUT_S,
        **kw,
    )


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    log_level: str = "info",
    status_rows: StatusRows | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (uvicorn's own handlers: in-flight requests finish)."""
    uvicorn.Server(server_config(host, port, log_level=log_level, status_rows=status_rows)).run()


def run_with(
    main, host: str, port: int, log_level: str = "info", status_rows: StatusRows | None = None
) -> int:
    """Serve in a thread while `main()` (the scheduler) runs in this one; stop together."""
    server = uvicorn.Server(server_config(host, port, log_level=log_level, status_rows=status_rows))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web server could not start on {host}:{port}")
        time.sleep(0.05)
    log.info("web server on http://%s:%d", host, port)
    try:
        return main()
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT_S + 5)
        log.info("web server stopped")
