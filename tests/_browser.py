"""What the browser tests share: where Chromium is, skip-or-fail when something is missing, a headless driver.

Imported by tests/test_docs_site.py and tests/test_explorer_browser.py (pytest puts tests/ on sys.path).
"""
import os, shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def missing(reason: str):
    "Skip on a developer's machine without the browser; fail in CI (.ci/run sets PSVAE_REQUIRE_BROWSER=1)."
    if os.environ.get("PSVAE_REQUIRE_BROWSER") == "1": pytest.fail(f"browser test required but {reason}")
    pytest.skip(reason)


def need(modules: dict[str, str]):
    "Check the Python `modules` (name -> how to install it) and Debian's chromium / chromium-driver."
    for m, hint in modules.items():
        try: __import__(m)
        except ImportError: missing(f"{m} is not installed ({hint})")
    for p in (CHROMIUM, CHROMEDRIVER):
        if not Path(p).exists(): missing(f"{p} is missing: apt-get install -y chromium chromium-driver")


def headless_chrome(profile_dir: Path, window: str, console_log: bool = False):
    "A headless Chromium selenium driver with a fresh profile in `profile_dir`; the caller quits it."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-quic", f"--window-size={window}", f"--user-data-dir={profile_dir}"):
        o.add_argument(a)
    if console_log: o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    drv.set_page_load_timeout(60)
    return drv
