"""Drive Debian's headless Chromium for the end-to-end page checks (no driver needed).

`--dump-dom` gives the page's DOM after scripts have run; `--screenshot` a PNG. The flags are the
ones this workplace's machines need (no sandbox as root, no background network).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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
