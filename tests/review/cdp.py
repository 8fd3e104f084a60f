"""A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`): no
WebSocket library, no Playwright download, only the standard library and the installed browser.

    with Chromium.start(tmp_path / "profile") as browser:
        page = browser.open(url)
        page.wait_for("document.body.dataset.ready === '1'")
        page.press("r")                        # a real key event, as a person types it
        page.evaluate("document.title")

Chromium reads protocol messages from fd 3 and writes them to fd 4, each a JSON object ending in NUL.
Skips the calling test when no Chromium is installed (apt-get install -y chromium).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

# a headless Chromium that reaches nothing on its own (the report test runs it with these too)
HEADLESS_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FLAGS = [*HEADLESS_FLAGS, "--remote-debugging-pipe"]
# DOM key codes Chromium needs next to `key` for keys that are not text
KEY_CODES = {"ArrowRight": 39, "ArrowLeft": 37, "ArrowDown": 40, "ArrowUp": 38, "Enter": 13, "Tab": 9}


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (apt-get install -y chromium); the browser test cannot run")


class Chromium:
    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int) -> None:
        self.process = process
        self.to_browser = to_browser
        self.from_browser = from_browser
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    @classmethod
    def start(cls, profile: Path) -> Chromium:
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()

        def to_fds_3_and_4() -> None:  # in the child: dup first, so that dup2 clears close-on-exec
            read_end, write_end = os.dup(commands_read), os.dup(replies_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        process = subprocess.Popen(
            [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=to_fds_3_and_4,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(replies_write)
        return cls(process, commands_write, replies_read)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") != self.next_id:
                    self.events.append(reply)
                    continue
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk

    def open(self, url: str, *, width: int = 1400, height: int = 1000) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self.call("Runtime.enable", session=session)
        self.call("Page.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self.call("Page.navigate", {"url": url}, session)
        return page

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        with contextlib.suppress(RuntimeError, OSError):  # already gone
            self.call("Browser.close")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)


class Page:
    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited); a thrown error fails the test."""
        result = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            self.session,
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except AssertionError:  # the page is still loading: its elements are not there yet
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                error = self.evaluate(
                    "document.getElementById('error').textContent + ' / ' + document.getElementById('rule-table').textContent"
                )
                raise AssertionError(
                    f"timed out waiting for {expression} (page error: {error!r}; {self.browser.events[-3:]})"
                )
            time.sleep(0.05)

    def press(self, key: str) -> None:
        """A key pressed and released on the focused element, as a person types it."""
        code = KEY_CODES.get(key, ord(key.upper()) if len(key) == 1 else 0)
        text = key if len(key) == 1 else ("\r" if key == "Enter" else "")
        down = {"type": "keyDown", "key": key, "windowsVirtualKeyCode": code, "text": text}
        self.browser.call("Input.dispatchKeyEvent", down, self.session)
        self.browser.call(
            "Input.dispatchKeyEvent",
            {"type": "keyUp", "key": key, "windowsVirtualKeyCode": code},
            self.session,
        )

    def type_text(self, text: str) -> None:
        self.browser.call("Input.insertText", {"text": text}, self.session)

    def screenshot(self, path: Path) -> None:
        import base64

        data = self.browser.call(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, self.session
        )
        path.write_bytes(base64.b64decode(data["data"]))
