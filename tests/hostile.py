"""A loopback HTTP server that answers what a test tells it to, and logs every request.

The replay server plays the real Hub; this one plays an attacker's: a feed whose entries
point at an internal port, a listing whose cursor says `file:///etc/passwd`, a redirect to
another port. A second one on another port plays the internal service that must receive
zero requests.
"""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.log: list[dict] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                path = self.path.split("?", 1)[0]
                server.log.append({"path": self.path, "headers": dict(self.headers.items())})
                answer = server.routes.get(path) or server.routes.get("*") or Answer(404)
                self.send_response(answer.status)
                headers = {"Content-Type": "text/plain", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, path: str, body: bytes | str = b"", status: int = 200, **headers: str):
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Answer(
            status, data, {k.replace("_", "-"): v for k, v in headers.items()}
        )

    def paths(self) -> list[str]:
        return [r["path"] for r in self.log]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
