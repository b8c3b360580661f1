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


def test_train_vae_and_eval_recon_smoke(tmp_path):
    "pretrain-encoder -> train-vae (two variants) -> eval-recon, as a user chains them; smoke sizes (numbers mean nothing)."
    r = run("pretrain-encoder", "--smoke", "--out", str(tmp_path / "enc"))
    assert r.returncode == 0, r.stderr
    for v in ("rae", "psvae"):
        r = run("train-vae", "--smoke", "--variant", v, "--channels", "8", "--encoder-path", str(tmp_path / "enc" / "encoder"),
                "--out", str(tmp_path / v))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / v / "vae" / "model.safetensors").is_file() and (tmp_path / v / "result.json").is_file()
    assert (tmp_path / "psvae" / "stage2" / "vae").is_dir() and not (tmp_path / "rae" / "stage2").exists()
    # a finished run is reused; a different config in the same folder is refused with the fix named
    r = run("train-vae", "--smoke", "--variant", "psvae", "--channels", "8", "--encoder-path", str(tmp_path / "enc" / "encoder"),
            "--out", str(tmp_path / "psvae"))
    assert r.returncode == 0 and "saved to" in r.stdout
    r = run("train-vae", "--smoke", "--variant", "psvae", "--channels", "4", "--encoder-path", str(tmp_path / "enc" / "encoder"),
            "--out", str(tmp_path / "psvae"))
    assert r.returncode == 2 and "different config" in r.stderr
    r = run("eval-recon", "--vae", str(tmp_path / "rae"), str(tmp_path / "psvae"), "--out", str(tmp_path / "eval"),
            "--n-test", "16", "--fd-encoder", str(tmp_path / "enc" / "encoder"))
    assert r.returncode == 0, r.stderr
    rows = json.loads((tmp_path / "eval" / "recon.json").read_text())["rows"]
    assert [(x["variant"], x["channels"]) for x in rows] == [("rae", 128), ("psvae", 8)]
    for x in rows:
        for k in ("psnr", "ssim", "lpips", "fd_mini", "probe_top1", "probe_top5"):
            assert k in x, k
        assert x["lpips"] is None and 0 <= x["probe_top1"] <= x["probe_top5"] <= 1
    assert "PS-VAE" in r.stdout or "28.79" in r.stdout
    # the generator on that VAE: train-gen t2i -> train-gen edit (from the t2i result) -> sample -> edit, smoke sizes
    r = run("train-gen", "--smoke", "--vae", str(tmp_path / "psvae"), "--out", str(tmp_path / "t2i"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t2i" / "gen" / "model.safetensors").is_file() and (tmp_path / "t2i" / "gen" / "vae.json").is_file()
    r = run("train-gen", "--smoke", "--task", "edit", "--vae", str(tmp_path / "psvae"), "--init", str(tmp_path / "t2i"),
            "--out", str(tmp_path / "edit"))
    assert r.returncode == 0, r.stderr
    r = run("sample", "--gen", str(tmp_path / "t2i"), "--prompt", "a photo of a red unicorn", "--steps", "2", "--n", "2",
            "--out", str(tmp_path / "s.png"))
    assert r.returncode == 0, r.stderr
    assert "unicorn" in r.stderr and (tmp_path / "s.png").is_file()  # unknown words are named, then sampled as [UNK]
    r = run("edit", "--gen", str(tmp_path / "edit"), "--image", str(tmp_path / "s.png"), "--instruction", "make the image darker",
            "--steps", "2", "--out", str(tmp_path / "e.png"))
    assert r.returncode == 0, r.stderr
    from PIL import Image
    assert Image.open(tmp_path / "e.png").size == (64, 64)
    r = run("sample", "--gen", str(tmp_path / "nowhere"), "--prompt", "a star", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "not a generator folder" in r.stderr
    # Sec. 5.4 on a pixel-tuned encoder: train-vae rae_hd -> shortcut, smoke sizes
    r = run("train-vae", "--smoke", "--variant", "rae_hd", "--encoder-path", str(tmp_path / "enc" / "encoder"), "--out", str(tmp_path / "raehd"))
    assert r.returncode == 0, r.stderr
    r = run("shortcut", "--smoke", "--vae", str(tmp_path / "raehd"), "--k", "3", "--out", str(tmp_path / "sc"))
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "sc" / "shortcut.json").read_text())
    assert res["k"] == 3 and len(res["top_k"]) == 3 and len(res["deviation"]) == res["width"]
    r = run("shortcut", "--smoke", "--vae", str(tmp_path / "rae"), "--out", str(tmp_path / "sc2"))
    assert r.returncode == 2 and "rae" in r.stderr  # an encoder that was never tuned has no shortcut to measure
