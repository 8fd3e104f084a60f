"""The review page's HTTP server: standard library only, 127.0.0.1 only, one random token per start.

    server = make_server(ReviewApp(run_dir), port=0)   # port 0: any free port
    print(server.url)                                 # http://127.0.0.1:PORT/?token=…
    server.serve_forever()

What keeps a page that can write files on a person's machine to that person:
- it binds 127.0.0.1 and nothing else (another address is refused before a socket is opened);
- every request carries the token (`?token=` for the page, the X-Winnow-Token header for the API), compared
  in constant time; without it the answer is 403 and nothing else;
- the Host header must name 127.0.0.1 or localhost at this port, so a web page that rebinds its own name to
  127.0.0.1 cannot reach the API even if it learnt the token;
- the API takes only `application/json` POSTs (no form can send one across origins without a preflight,
  which this server never grants);
- the page runs under a strict CSP: only its own inline script and style (by nonce, new per page load),
  requests to itself, no frames, no external loads; no referrer leaves with the token.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from winnow.curation.errors import UsageError, WinnowError
from winnow.reports.review.api import ReviewApp

HOST: Final = "127.0.0.1"
TOKEN_HEADER: Final = "X-Winnow-Token"
MAX_BODY: Final = 1 << 20  # a request body is settings, a label or a note: a megabyte is plenty


def page_template() -> str:
    return resources.files("winnow.reports.review").joinpath("page.html").read_text(encoding="utf-8")


def content_security_policy(nonce: str) -> str:
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class ReviewServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to 127.0.0.1 holding the app and its token."""

    daemon_threads = True

    def __init__(self, app: ReviewApp, port: int, token: str) -> None:
        self.app = app
        self.token = token
        self.routes = app.routes()
        super().__init__((HOST, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a browser that closes a tab mid-answer is no error worth a traceback in the terminal
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"


def make_server(app: ReviewApp, *, host: str = HOST, port: int = 0, token: str | None = None) -> ReviewServer:
    """A server for `app` on 127.0.0.1:`port`; any other host is refused (UsageError, exit 2)."""
    if host != HOST:
        raise UsageError(
            f"winnow review serves on {HOST} only, not {host!r}: the page can write your rule files",
            hint="to look from another machine, forward the port over SSH (ssh -L PORT:127.0.0.1:PORT host)",
        )
    return ReviewServer(app, port, token or secrets.token_urlsafe(24))


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # one line per request would bury the URL
        return

    # ---- answers -------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        body = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _refuse(self, status: int, message: str) -> None:
        self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    # ---- checks --------------------------------------------------------------------------------------
    def _host_ok(self) -> bool:
        host = self.headers.get("Host", "")
        return host in (f"{HOST}:{self.server.port}", f"localhost:{self.server.port}")

    def _token_ok(self, query: dict[str, list[str]]) -> bool:
        given = self.headers.get(TOKEN_HEADER) or (query.get("token") or [""])[0]
        return hmac.compare_digest(given.encode("utf-8"), self.server.token.encode("utf-8"))

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if not self._host_ok():
            return self._refuse(HTTPStatus.FORBIDDEN, "forbidden: unexpected Host header")
        if not self._token_ok(query):
            return self._refuse(HTTPStatus.FORBIDDEN, "forbidden: the URL's token is missing or wrong")
        if self.command == "GET" and parts.path == "/":
            return self._page()
        route = self.server.routes.get((self.command, parts.path))
        if route is None:
            return self._refuse(HTTPStatus.NOT_FOUND, "not found")
        body: dict[str, Any] = {}
        if self.command == "POST":
            if self.headers.get_content_type() != "application/json":
                return self._refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "the API takes application/json")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is not JSON"})
            if not isinstance(body, dict):
                return self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is a JSON object"})
        try:
            answer = route(body)
        except WinnowError as error:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": error.render()})
        except Exception as error:  # a bug: the page says so, the terminal gets the traceback
            traceback.print_exc(file=sys.stderr)
            return self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(error).__name__}: {error}"})
        return self._json(HTTPStatus.OK, answer)

    def _page(self) -> None:
        nonce = secrets.token_urlsafe(16)
        html = page_template().replace("{{NONCE}}", nonce)
        self._send(
            HTTPStatus.OK,
            html.encode("utf-8"),
            "text/html; charset=utf-8",
            {"Content-Security-Policy": content_security_policy(nonce)},
        )

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()
