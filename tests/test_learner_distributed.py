"""psvae.learner under several processes: a 2-process CPU (gloo) run matches a 1-process run with the same global
batch, and a 1-process run resumes from the 2-process checkpoint."""
import json, os, shutil, subprocess, sys
from pathlib import Path

import torch

from psvae.core import load_safetensors

SCRIPT = Path(__file__).with_name("_dist_train.py")
FINAL = Path("checkpoints") / "step_0000008"


def run(out_dir: Path, nproc: int, *args: str):
    "Run the training script with `nproc` processes (torchrun for more than one); fail with its output."
    cmd = [sys.executable, str(SCRIPT), str(out_dir), *args]
    if nproc > 1: cmd[1:1] = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
           "PYTHONWARNINGS": "ignore"}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    return r.stdout


def assert_close(a: dict, b: dict, atol=1e-6):
    assert sorted(a) == sorted(b)
    for k in a:
        assert torch.allclose(a[k], b[k], atol=atol, rtol=0), f"{k}: max diff {(a[k] - b[k]).abs().max().item():.3g}"


def test_two_processes_match_one(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    run(one, 1)
    out = run(two, 2)
    assert "rank 1/2 done at step 8" in out and "rank 0/2 done at step 8" in out

    init = load_safetensors(one / "init.safetensors")
    assert_close(init, load_safetensors(two / "init.safetensors"), atol=0)
    for run_dir in (one, two):  # both really trained
        final = load_safetensors(run_dir / FINAL / "model.safetensors")
        assert all((final[k] - init[k]).abs().max() > 1e-3 for k in init), f"{run_dir.name} did not train"
    for name in ("model.safetensors", "ema.safetensors", "optim_body.safetensors", "optim_head.safetensors"):
        assert_close(load_safetensors(one / FINAL / name), load_safetensors(two / FINAL / name))

    # only the main process writes the log and checkpoint; each process's RNG state is in it
    assert sorted(p.name for p in (two / FINAL).glob("rng_rank*")) == ["rng_rank0.safetensors", "rng_rank1.safetensors"]
    logs = [[json.loads(l) for l in (d / "log.jsonl").read_text().splitlines()] for d in (one, two)]
    assert [r["step"] for r in logs[1]] == [2, 4, 6, 8]
    for r1, r2 in zip(*logs):
        assert abs(r1["loss"] - r2["loss"]) < 1e-5, (r1, r2)
    assert json.loads((two / FINAL / "state.json").read_text())["num_processes"] == 2

    # a 1-process run resumes from the 2-process checkpoint at step 4 and ends where the 1-process run did
    resumed = tmp_path / "resumed"
    shutil.copytree(two, resumed)
    shutil.rmtree(resumed / FINAL)
    run(resumed, 1, "--resume")
    assert [r["step"] for r in map(json.loads, (resumed / "log.jsonl").read_text().splitlines())] == [2, 4, 6, 8]
    for name in ("model.safetensors", "ema.safetensors"):
        assert_close(load_safetensors(one / FINAL / name), load_safetensors(resumed / FINAL / name))
