"""Browser test of the offline docs site built by `tools/build_docs.py`.

Builds the site into a temp dir, serves it on 127.0.0.1 (ephemeral port), opens every page in
headless Chromium via selenium and checks titles, internal links, images, offline MathJax,
Sphinx search and the browser console. Needs Debian's `chromium` and `chromium-driver`.
"""
import functools, http.server, json, os, shutil, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request
from pathlib import Path

import pytest

from _browser import headless_chrome, need

ROOT = Path(__file__).resolve().parents[1]


def _need_browser():
    need({"selenium": "pip install -e .[dev]", "sphinx": "needed to build the docs: pip install -e .[dev]",
          "myst_nb": "needed to build the docs: pip install -e .[dev]", "furo": "needed to build the docs: pip install -e .[dev]"})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _need_browser()
    d = tmp_path_factory.mktemp("docs")
    t = time.time()
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "build_docs.py"), "--out", str(d / "_site"),
                        "--work", str(d / "work")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    print(f"\nbuilt site in {time.time()-t:.1f}s: {r.stdout.strip().splitlines()[-1]}")
    return d / "_site"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):  # the browser dropping a connection is not an error
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server(site):
    httpd = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    th = threading.Thread(target=httpd.serve_forever, daemon=True); th.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown(); httpd.server_close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    _need_browser()
    drv = headless_chrome(tmp_path_factory.mktemp("chrome-profile"), "1280,1000", console_log=True)
    yield drv
    drv.quit()


def _wait(drv, js, timeout=20, what=""):
    t = time.time()
    while time.time() - t < timeout:
        v = drv.execute_script(js)
        if v: return v
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or js}")


def _status(url, cache):
    if url not in cache:
        try:
            with urllib.request.urlopen(url, timeout=10) as r: cache[url] = r.status
        except urllib.error.HTTPError as e: cache[url] = e.code
    return cache[url]


def _severe(drv):
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def test_docs_site(site, server, driver, tmp_path):
    import yaml
    sb = yaml.safe_load((ROOT / "nbs" / "sidebar.yml").read_text())
    nbs = []
    def walk(items):
        for it in items:
            if isinstance(it, str): nbs.append(Path(it).stem)
            elif isinstance(it, dict): walk(it.get("contents", []))
    walk(sb["website"]["sidebar"]["contents"])
    from nbdev.doclinks import _nbpath2html
    expected = [_nbpath2html(Path(n + ".ipynb")).name for n in nbs]
    pages = sorted(p.name for p in site.glob("*.html"))
    assert set(expected) <= set(pages), f"missing pages: {set(expected) - set(pages)}"
    assert set(pages) - set(expected) <= {"genindex.html", "search.html"}, pages
    # walk-through order in the navigation: index first, then the sidebar order
    driver.get(server + "index.html")
    nav = driver.execute_script(
        "return Array.from(document.querySelectorAll('.sidebar-tree a.reference')).map(a => a.getAttribute('href'))")
    assert [h.split("#")[0] for h in nav] == expected[1:], nav

    shots, checked, problems = [], {}, []
    for page in expected + ["genindex.html"]:
        driver.get(server + page)
        _wait(driver, "return document.readyState === 'complete'", what=f"{page} load")
        title, h1 = driver.title, driver.execute_script(
            "const h = document.querySelector('article h1'); return h ? h.textContent.replace('\u00b6','').trim() : ''")
        if not title or "psvae" not in title: problems.append(f"{page}: bad title {title!r}")
        if page != "genindex.html" and (not h1 or h1 not in title): problems.append(f"{page}: h1 {h1!r} not in title {title!r}")
        # every <img> loaded
        _wait(driver, "return Array.from(document.images).every(i => i.complete)", what=f"{page} images")
        for src, w in driver.execute_script("return Array.from(document.images).map(i => [i.src, i.naturalWidth])"):
            if not w: problems.append(f"{page}: image not loaded: {src[:120]}")
        # every same-site link resolves (anchors ignored)
        for href in driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
            u = urllib.parse.urldefrag(href)[0]
            if u.startswith(server) and _status(u, checked) != 200: problems.append(f"{page}: broken link {u}")
        if page == "toy.html":
            n = _wait(driver, "return document.querySelectorAll('mjx-container').length", what="MathJax output")
            assert n > 0
            assert driver.execute_script(
                "return Array.from(document.scripts).every(s => !s.src || s.src.startsWith(location.origin))")
        time.sleep(0.3)  # let late resource errors reach the log
        shot = tmp_path / f"{page[:-5]}.png"; driver.save_screenshot(str(shot)); shots.append(shot)
        problems += [f"{page}: console: {e['message'][:300]}" for e in _severe(driver)]

    # Sphinx's built-in search finds a known word
    driver.get(server + "search.html?q=Learner")
    n = _wait(driver, "return document.querySelectorAll('#search-results ul.search li').length", 30, "search results")
    assert n > 0
    shot = tmp_path / "search.png"; driver.save_screenshot(str(shot)); shots.append(shot)
    problems += [f"search.html: console: {e['message'][:300]}" for e in _severe(driver)]

    print(f"\n{len(expected)} notebook pages (+ genindex, search); {len(checked)} internal URLs checked; "
          f"{len(shots)} screenshots:")
    for s in shots: print(f"  {s}")
    assert not problems, "\n".join(problems)


def test_api_reference_complete(site):
    "Every public function and class of each module has an entry (its anchor) on its notebook's page."
    import re
    from _api import notebook_modules
    from nbdev.doclinks import _nbpath2html
    missing = {}
    for nb, _, _, public in notebook_modules():
        ids = set(re.findall(r'id="([^"]+)"', (site / _nbpath2html(nb).name).read_text()))
        if gone := [n for n in public if n.lower() not in ids]: missing[nb.name] = gone
    assert not missing, f"public API without a docs entry (split multi-show_doc cells? check build warnings): {missing}"
