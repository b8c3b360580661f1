"""Browser test of `psvae.explore.LatentExplorer` in a real JupyterLab.

Starts JupyterLab on 127.0.0.1 (ephemeral port, token auth, a temp root dir and temp Jupyter config/data/runtime
dirs), writes a notebook that builds a `LatentExplorer` on a tiny random VAE and displays it, opens it in headless
Chromium via selenium, runs all cells, waits for the widget, reads the input image's `src`, moves the index slider
with the keyboard and checks that the displayed image changed. Saves screenshots under tmp_path. Needs Debian's
`chromium` and `chromium-driver`, jupyterlab and ipywidgets>=8 (its lab extension comes with jupyterlab_widgets).
"""
import json, os, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

from _browser import headless_chrome, need

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_CODE = """\
import torch
from psvae.core import seed_everything
from psvae.data import ShapesDataset
from psvae.encoders import MiniEncoder, MiniEncoderConfig
from psvae.vae import VAEConfig, build_vae
from psvae.explore import LatentExplorer
seed_everything(0)
ds = ShapesDataset(12, seed=5)
enc = MiniEncoder(MiniEncoderConfig(width=32, depth=2, heads=2), feature_norm=True)
vae = build_vae(VAEConfig.preset("mini", n_inherit=1, latent_channels=8), encoder=enc).eval()
vae.compute_latent_stats([torch.stack([ds[i]["image"] for i in range(8)])])
ex = LatentExplorer(vae, ds, bank_size=8, k=3)
ex.widget
"""


def _need_browser():
    need({"selenium": "pip install -e .[dev]", "jupyterlab": "pip install -e .[dev]",
          "ipywidgets": "pip install ipywidgets>=8", "jupyterlab_widgets": "pip install ipywidgets>=8"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as r: return json.loads(r.read())


def _until(pred, timeout: float, what: str, every: float = 0.25, detail=lambda: ""):
    t = time.time()
    while time.time() - t < timeout:
        try: v = pred()
        except (OSError, ValueError, KeyError): v = None  # not up yet (connection refused, partial JSON)
        except Exception as e:
            if type(e).__module__.startswith("selenium"): v = None  # page still loading
            else: raise
        if v: return v
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}. {detail()}")


@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on an ephemeral port with its own temp dirs; killed (with its kernels) at the end."
    _need_browser()
    root, jdir = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    for d in ("config", "data", "runtime", "settings", "workspaces"): (jdir / d).mkdir(parents=True)
    news = jdir / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True); news.write_text(json.dumps({"fetchNews": "false"}))  # no news prompt, no fetch
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK_CODE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "x.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(jdir / "config"), "JUPYTER_DATA_DIR": str(jdir / "data"),
           "JUPYTER_RUNTIME_DIR": str(jdir / "runtime"), "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly",
         f"--LabApp.user_settings_dir={jdir / 'settings'}", f"--LabApp.workspaces_dir={jdir / 'workspaces'}"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def up():
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}: {(tmp_path / 'lab.log').read_text()[-3000:]}")
            return _get_json(f"{base}/api/status?token={token}")
        _until(up, 60, "JupyterLab to start", detail=lambda: (tmp_path / "lab.log").read_text()[-3000:])
        yield dict(base=base, token=token, root=root, log=tmp_path / "lab.log")
    finally:
        try: os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group: it and the kernels it started
        except ProcessLookupError: pass
        try: proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait(5)
        log.close()


@pytest.fixture
def driver(tmp_path):
    _need_browser()
    drv = headless_chrome(tmp_path / "chrome-profile", "1400,1100")
    yield drv
    drv.quit()


INPUT_SRC = "const i = document.querySelector('img.psvae-input'); return i && i.getAttribute('src') && i.naturalWidth > 0 ? i.getAttribute('src') : null"


def test_explorer_in_jupyterlab(lab, driver, tmp_path):
    t0 = time.time()
    base, token = lab["base"], lab["token"]
    outputs = lambda: "notebook output: " + str(driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.innerText.slice(-1500))"))
    driver.get(f"{base}/lab/tree/x.ipynb?token={token}")
    _until(lambda: driver.execute_script(
        "const a = window.jupyterapp; return !!(a && a.shell && a.shell.currentWidget && "
        "a.shell.currentWidget.sessionContext && a.commands.hasCommand('notebook:run-all-cells'))"), 60,
        "JupyterLab to open x.ipynb", detail=lambda: lab["log"].read_text()[-3000:])
    # the kernel is up and idle before running (so the run is not lost while it starts)
    _until(lambda: any(k.get("execution_state") == "idle" for k in _get_json(f"{base}/api/kernels?token={token}")), 60,
           "the kernel to start", detail=lambda: lab["log"].read_text()[-3000:])
    _until(lambda: driver.execute_script(
        "const s = window.jupyterapp.shell.currentWidget.sessionContext; return s.session && s.session.kernel && "
        "s.session.kernel.connectionStatus === 'connected'"), 30, "the page to connect to the kernel")
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    src1 = _until(lambda: driver.execute_script(INPUT_SRC), 75, "the explorer widget to render its input image",
                  every=0.5, detail=outputs)
    assert src1.startswith(("blob:", "data:image/png")), src1[:80]
    driver.save_screenshot(str(tmp_path / "explorer_before.png"))
    readout = lambda: driver.execute_script(
        "const r = document.querySelector('.psvae-index .widget-readout'); return r ? r.textContent.trim() : null")
    assert readout() == "0", readout()

    # move the index slider one step right with the keyboard, as a user would
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    handle = driver.find_element(By.CSS_SELECTOR, ".psvae-index .noUi-handle")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", handle)
    handle.send_keys(Keys.ARROW_RIGHT)
    _until(lambda: readout() == "1", 10, "the slider readout to show 1", detail=lambda: f"readout {readout()!r}")
    src2 = _until(lambda: (lambda s: s if s and s != src1 else None)(driver.execute_script(INPUT_SRC)), 30,
                  "the input image to change after moving the slider", detail=outputs)
    assert src2 != src1
    # the reconstruction panel followed too, and nothing went to stderr
    assert driver.execute_script("return !!document.querySelector('img.psvae-recon[src]')")
    errs = driver.execute_script("return Array.from(document.querySelectorAll("
                                 "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]')).map(e => e.innerText)")
    assert not [e for e in errs if "Traceback" in e or "Error" in e], errs
    driver.save_screenshot(str(tmp_path / "explorer_after.png"))
    assert (tmp_path / "explorer_after.png").stat().st_size > 10_000
    print(f"\nexplorer browser test: {time.time() - t0:.1f}s in the browser; screenshots in {tmp_path}")
