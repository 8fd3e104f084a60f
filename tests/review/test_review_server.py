"""The review server over HTTP: the token, the Host check, the CSP, JSON only, and 127.0.0.1 only."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from review_run import build_review_run

from winnow.curation.errors import UsageError
from winnow.reports.review.api import ReviewApp
from winnow.reports.review.server import ReviewServer, make_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    run_dir, _, _ = build_review_run(tmp_path_factory.mktemp("server"))
    server = make_server(ReviewApp(run_dir), token="secret-token")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _call(
    server: ReviewServer, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}", data=data, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


AUTH = {"X-Winnow-Token": "secret-token"}
JSON = {**AUTH, "Content-Type": "application/json"}


def test_the_token_is_required(server: ReviewServer) -> None:
    assert _call(server, "/")[0] == 403
    assert _call(server, "/?token=wrong")[0] == 403
    assert _call(server, "/api/state")[0] == 403
    assert _call(server, "/api/state", headers={"X-Winnow-Token": "secret-tokeN"})[0] == 403
    status, _, body = _call(server, "/api/whatif", {"settings": {}}, {"Content-Type": "application/json"})
    assert (status, body) == (403, b"forbidden: the URL's token is missing or wrong\n")
    assert _call(server, "/api/state", headers=AUTH)[0] == 200


def test_the_page_has_a_strict_csp(server: ReviewServer) -> None:
    status, headers, body = _call(server, "/?token=secret-token")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert csp == (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    page = body.decode()
    assert page.count(f'nonce="{nonce}"') == 2
    assert "http://" not in page  # nothing loaded from anywhere
    assert "https://" not in page
    assert headers["Referrer-Policy"] == "no-referrer"
    assert _call(server, "/?token=secret-token")[1]["Content-Security-Policy"] != csp  # a new nonce per load


def test_host_header_and_content_type(server: ReviewServer) -> None:
    assert _call(server, "/api/state", headers={**AUTH, "Host": "evil.example:80"})[0] == 403
    assert _call(server, "/api/state", headers={**AUTH, "Host": f"localhost:{server.port}"})[0] == 200
    assert _call(server, "/api/whatif", b"settings=1", {**AUTH, "Content-Type": "text/plain"})[0] == 415
    assert _call(server, "/api/nothing", headers=AUTH)[0] == 404


def test_api_answers_and_errors(server: ReviewServer) -> None:
    status, _, body = _call(server, "/api/whatif", {"settings": {"char_run": {"threshold": 7}}}, JSON)
    assert (status, json.loads(body)["totals"]["back"]) == (200, 1)
    status, _, body = _call(server, "/api/whatif", {"settings": {"char_run": {"threshold": 1}}}, JSON)
    assert status == 400
    assert json.loads(body) == {"error": "settings.char_run.threshold must be >= 3, got 1"}
    assert _call(server, "/api/whatif", b"{not json", JSON)[0] == 400


def test_only_127_0_0_1(tmp_path: Path) -> None:
    run_dir, _, _ = build_review_run(tmp_path)
    for host in ("0.0.0.0", "localhost", "::1", "192.168.1.2"):
        with pytest.raises(UsageError, match=r"serves on 127\.0\.0\.1 only"):
            make_server(ReviewApp(run_dir), host=host)
    cli = subprocess.run(
        [sys.executable, "-m", "winnow", "review", str(run_dir), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 2
    assert "serves on 127.0.0.1 only, not '0.0.0.0'" in cli.stderr
