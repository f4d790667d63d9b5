"""Drive Debian's headless Chromium for the end-to-end page checks (no driver needed).

`--dump-dom` gives the page's DOM after scripts have run; `--screenshot` a PNG. The flags are the
ones this workplace's machines need (no sandbox as root, no background network).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files"]


def chromium_or_skip() -> str:
    """Path of chromium; skip (or fail, when CI requires the browser) if it is not installed."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    if os.environ.get("LDI_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is required (LDI_REQUIRE_BROWSER=1) but not installed: "
                    "apt-get install chromium")
    pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    return ""


def _run(args: list[str]) -> subprocess.CompletedProcess:
    exe = chromium_or_skip()
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120, check=False)


def dump_dom(page: Path) -> str:
    """The DOM of a local page after it has loaded, as HTML text."""
    proc = _run(["--dump-dom", page.resolve().as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def screenshot(page: Path, png: Path, size: str = "1100,1600") -> Path:
    """Save a PNG screenshot of a local page."""
    png.parent.mkdir(parents=True, exist_ok=True)
    proc = _run([f"--screenshot={png.resolve()}", f"--window-size={size}",
                 "--hide-scrollbars", page.resolve().as_uri()])
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]
    return png


class Page:
    """One headless Chromium tab driven over the DevTools protocol (``websocket-client``).

    Records every request the page makes, so a test can check that nothing leaves the machine,
    and evaluates JavaScript in the page (for layout measurements at a phone's width).
    """

    def __init__(self):
        import json
        import time

        import websocket

        exe = chromium_or_skip()
        self._profile = tempfile.TemporaryDirectory()
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-port=0",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)   # its own process group: close() ends every helper process
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        import urllib.request

        for _ in range(100):
            try:
                tabs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json",
                                                         timeout=5).read())
                tab = next(t for t in tabs if t.get("type") == "page")
                break
            except Exception:  # noqa: BLE001 - the browser is still starting
                time.sleep(0.05)
        self.ws = websocket.create_connection(tab["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self._id = 0
        self.requests: list[str] = []
        self._json = json
        self.send("Network.enable")
        self.send("Page.enable")

    def send(self, method: str, **params):
        """Send a command and return its result (recording request events on the way)."""
        self._id += 1
        self.ws.send(self._json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = self._json.loads(self.ws.recv())
            self._note(msg)
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def _note(self, msg: dict) -> None:
        if msg.get("method") == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])

    def open(self, url: str, width: int, height: int = 900, mobile: bool = True) -> None:
        """Load ``url`` in a viewport of ``width`` CSS pixels and wait for its load event."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)
        self.requests = []
        self.send("Page.navigate", url=url)
        while True:
            msg = self._json.loads(self.ws.recv())
            self._note(msg)
            if msg.get("method") == "Page.loadEventFired":
                break

    def js(self, expression: str):
        """Evaluate a JavaScript expression in the page and return its (JSON) value."""
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return res.get("result", {}).get("value")

    def close(self) -> None:
        """End the browser."""
        import signal

        try:
            self.ws.close()
        finally:
            # end the whole group (renderer, GPU and crash-handler processes too), then remove the
            # profile; a helper still flushing its files can race the removal, so retry briefly
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
            for _ in range(50):
                try:
                    shutil.rmtree(self._profile.name)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
            self._profile.cleanup = lambda: None  # already removed (or retried above)
