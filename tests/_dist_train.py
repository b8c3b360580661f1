"""A small psvae.learner run, launched by test_learner_distributed.py with 1 process (plain python) or 2 (torchrun).

usage: python tests/_dist_train.py OUT_DIR [--resume] [--stop-at K]
"""
import argparse
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import TensorDataset

from psvae.core import atomic_save_safetensors
from psvae.learner import Learner, OptimGroup, TrainConfig


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.ModuleDict(dict(body=nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh()),
                              head=nn.Linear(32, 2)))


def data() -> TensorDataset:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(96, 4, generator=g)
    return TensorDataset(x, torch.stack([x[:, 0] * x[:, 1], torch.sin(x[:, 2] + x[:, 3])], 1))


def loss_fn(m, batch, step):
    x, y = batch
    err = m["head"](m["body"](x)) - y
    return {"loss": err.pow(2).mean(), "mae": err.abs().mean()}


CFG = TrainConfig(steps=8, batch_size=16, grad_accum=2, lr=1e-2, warmup_steps=2, weight_decay=0.01, ema_decay=0.9,
                  log_every=2, ckpt_every=4, keep_last=3, cpu=True, progress=False, plot=False)
GROUPS = [OptimGroup("body", "body."), OptimGroup("head", "head.", lr=5e-3)]

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--stop-at", type=int, default=None)
    args = ap.parse_args()
    learn = Learner(model(), data(), loss_fn, CFG, out_dir=args.out_dir, groups=GROUPS)
    if learn.is_main and not args.resume:
        atomic_save_safetensors(Path(args.out_dir) / "init.safetensors", learn.model.state_dict())
    learn.fit(resume=args.resume, stop_at=args.stop_at)
    print(f"rank {learn.accelerator.process_index}/{learn.accelerator.num_processes} done at step {learn.step}")
