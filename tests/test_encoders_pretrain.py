"""End to end: the mini encoder's pretraining (smoke size) through Learner, its folder, reloading, and probe.json."""
import json

import pytest
import torch

from psvae.core import ConfigError
from psvae.encoders import load_encoder, pretrain_mini_encoder, probe_encoder, MiniEncoder


def test_pretrain_smoke_then_probe(tmp_path):
    enc_dir = pretrain_mini_encoder(tmp_path / "run", smoke=True, progress=False)
    assert enc_dir == tmp_path / "run" / "encoder"
    assert {p.name for p in enc_dir.iterdir()} >= {"encoder.json", "config.json", "model.safetensors"}
    assert (tmp_path / "run" / "text" / "vocab.json").is_file()
    enc = load_encoder("auto", tmp_path / "run")  # a run folder resolves to its encoder/
    assert isinstance(enc, MiniEncoder) and enc.grid == (8, 8)
    with torch.no_grad(): tokens = enc(torch.rand(2, 3, 64, 64))
    assert tokens.shape == (2, 64, enc.width)
    # a second call resumes the finished run: same weights
    again = load_encoder("mini", pretrain_mini_encoder(tmp_path / "run", smoke=True, progress=False))
    for a, b in zip(enc.state_dict().values(), again.state_dict().values()): assert torch.equal(a, b)
    res = probe_encoder(enc_dir, tmp_path / "probe", n_train=60, n_test=20, progress=False)
    saved = json.loads((tmp_path / "probe" / "probe.json").read_text())
    assert saved == res
    assert {"top1", "top5", "n_classes", "n_train", "n_test"} <= set(saved)
    assert saved["n_train"] == 60 and saved["n_test"] == 20 and 0 <= saved["top1"] <= saved["top5"] <= 1


def test_hub_id_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="HF_HUB_OFFLINE=1 forbids downloading"):
        load_encoder("siglip2", "google/siglip2-so400m-patch14-224")
    with pytest.raises(ConfigError, match="pass both train_dir and test_dir"):
        probe_encoder(MiniEncoder(), "/tmp/unused", train_dir="/tmp")


def test_probe_cli_splits_the_label(tmp_path):
    "`psvae probe --attribute colour` probes the colour of the largest object only (at most 10 classes)."
    import os, subprocess, sys
    from pathlib import Path
    enc_dir = pretrain_mini_encoder(tmp_path / "run", smoke=True, progress=False)
    psvae = Path(sys.executable).with_name("psvae")
    r = subprocess.run([str(psvae), "probe", "--encoder", str(enc_dir), "--out", str(tmp_path / "probe"), "--n-train", "60",
                        "--n-test", "20", "--attribute", "colour"], env={**os.environ, "OMP_NUM_THREADS": "2"},
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    saved = json.loads((tmp_path / "probe" / "probe.json").read_text())
    assert 2 <= saved["n_classes"] <= 10 and "colour of the largest object" in saved["data"]
    r = subprocess.run([str(psvae), "probe", "--encoder", str(enc_dir), "--out", str(tmp_path / "p2"), "--attribute", "size"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_pretrain_takes_another_loss(tmp_path):
    "A study can swap the pretraining loss (bench/encoder_probe_study.py does): the run calls it at every step."
    from psvae.encoders import siglip_loss_fn
    steps = []
    def loss_fn(model, batch, step):
        steps.append(step)
        return siglip_loss_fn(model, batch, step)
    pretrain_mini_encoder(tmp_path / "run", smoke=True, progress=False, loss_fn=loss_fn)
    assert len(steps) == 3  # the smoke run's steps
