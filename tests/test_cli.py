"""The `psvae` console script end to end, as a user runs it (in a subprocess, from the installed entry point)."""
import json, os, subprocess, sys
from pathlib import Path

import pytest

PSVAE = Path(sys.executable).with_name("psvae")


def run(*args, cwd=None):
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "2"}
    return subprocess.run([str(PSVAE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_entry_point_installed():
    assert PSVAE.exists(), f"console script missing at {PSVAE}: pip install -e . should create it"
    r = run("--help")
    assert r.returncode == 0 and "demo" in r.stdout and "toy" in r.stdout


def test_toy_writes_json_and_png(tmp_path):
    r = run("toy", "--out", str(tmp_path / "toy"), "--steps", "200", "--seeds", "1")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "toy" / "toy.json").read_text())
    for k in ("steps", "tail_nn", "off_manifold_8d", "eq1_max_abs_err", "seconds"):
        assert k in res, k
    assert set(res["tail_nn"]) == {"2d", "8d"}
    assert len(res["tail_nn"]["2d"]) == len(res["tail_nn"]["8d"]) == len(res["steps"]) == len(res["off_manifold_8d"])
    assert res["steps"][-1] == 200
    assert res["eq1_max_abs_err"] < 1e-8
    assert (tmp_path / "toy" / "toy.png").stat().st_size > 10_000


def test_bad_arguments_name_the_fix(tmp_path):
    r = run("toy", "--out", str(tmp_path), "--steps", "0")
    assert r.returncode == 2 and "positive integer" in r.stderr
    r = run("frobnicate")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_demo_smoke_runs_and_reuses_stages(tmp_path):
    out = tmp_path / "demo"
    r = run("demo", "--smoke", "--out", str(out))
    assert r.returncode == 0, r.stderr
    report = (out / "report.md").read_text()
    assert "Smoke run" in report and "toy/toy.png" in report
    assert (out / "toy" / "toy.json").exists() and (out / "toy" / "DONE").exists()
    mtime = (out / "toy" / "toy.json").stat().st_mtime_ns
    r = run("demo", "--smoke", "--out", str(out))
    assert r.returncode == 0 and "reusing finished results" in r.stdout
    assert (out / "toy" / "toy.json").stat().st_mtime_ns == mtime
