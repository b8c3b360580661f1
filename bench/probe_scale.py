"""Does a bigger probe, a DINOv2-style multi-block probe or a longer pretraining get the mini encoder to 0.8?

    OMP_NUM_THREADS=2 python bench/probe_scale.py [--long-steps 750 --long-scenes 8192] [--out bench/results/probe_scale.json]

Not a speed benchmark; the sequel to `probe_protocol.py`. The label and held-out scenes stay `probe_encoder`'s (the
(shape, colour) of the largest object, 50 classes; 500 scenes of seed 2); training scenes are seed 1's first 2000
(the default) or 20,000. Features, from the frozen encoder:

- `last, mean`: mean-pooled tokens of the last block, after the final norm (what `probe_encoder` reads);
- `last4, mean`: the same for each of the last four blocks (each through the final norm), concatenated, the
  multi-block features of DINOv2's linear evaluation (Oquab et al. 2023, which also sweeps 1 or 4 blocks).

Each is fitted at C = 1 (`probe_encoder`'s default), and with C picked from (0.1, 1, 10) on a validation split (the
last 20 % of the training scenes), then refitted on all of them: a selection that never sees the held-out scenes.
Encoders: the cached default (`mini_encoder()`), the same architecture at random initialisation (seed 0), and, with
`--long-steps`, one pretrained with the default recipe for more steps on more scenes (into a temporary folder).
The ideal features of `probe_ceiling` (ground-truth area histograms) on the same scenes bound what any encoder can get.
"""
import argparse, json, tempfile, time
from pathlib import Path

import numpy as np
import torch

from psvae.encoders import (MiniEncoder, MiniPretrainConfig, RenderedShapes, linear_probe, load_encoder, mini_encoder,
                            pretrain_mini_encoder, probe_ceiling, reinitialize_encoder)
from psvae.core import atomic_write_json
from psvae.shapes import MINI_SIZE

SIZES, CS = (2000, 20000), (0.1, 1.0, 10.0)


@torch.no_grad()
def block_means(enc, images_u8: torch.Tensor, batch: int = 500) -> torch.Tensor:
    "Mean-pooled tokens after each block, through the final norm: `[M, depth, C]`."
    out = []
    for i in range(0, len(images_u8), batch):
        h, per = enc.embed(enc.preprocess(images_u8[i:i + batch].float() / 255)), []
        for k in range(len(enc.blocks)):
            h = enc.forward_blocks(h, k, k + 1); per.append(enc.patch_tokens(enc.final_norm(h)).mean(1))
        out.append(torch.stack(per, 1))
    return torch.cat(out)


def fits(tx, ty, vx, vy) -> dict:
    "Top-1 at C = 1, and at the C a validation split (last 20 % of training) picks, refitted on all training scenes."
    cut = int(len(ty) * 0.8)
    val = {c: linear_probe(tx[:cut], ty[:cut], tx[cut:], ty[cut:], C=c)["top1"] for c in CS}
    best = max(CS, key=lambda c: (val[c], -c))
    at1 = linear_probe(tx, ty, vx, vy, C=1.0)
    picked = at1 if best == 1.0 else linear_probe(tx, ty, vx, vy, C=best)
    return {"top1_C1": round(at1["top1"], 3), "C_picked": best, "val_top1": {str(c): round(v, 3) for c, v in val.items()},
            "top1_picked": round(picked["top1"], 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long-steps", type=int, default=0, help="also pretrain an encoder for this many steps (0: skip)")
    ap.add_argument("--long-scenes", type=int, default=8192, help="training scenes of that longer pretraining")
    ap.add_argument("--out", default="bench/results/probe_scale.json")
    args = ap.parse_args()
    t0 = time.time()
    tr, te = RenderedShapes(max(SIZES), MINI_SIZE, seed=1, progress=False), RenderedShapes(500, MINI_SIZE, seed=2, progress=False)
    ty, vy = np.asarray(tr.labels), np.asarray(te.labels)
    default = mini_encoder(progress=False).eval()
    encs = {"pretrained (default)": default,
            "random init": reinitialize_encoder(MiniEncoder(default.cfg), seed=0).eval()}
    tmp = tempfile.TemporaryDirectory()
    if args.long_steps:
        cfg = MiniPretrainConfig(steps=args.long_steps, n_train=args.long_scenes, warmup_steps=args.long_steps // 10)
        t1 = time.time()
        encs[f"pretrained, {args.long_steps} steps on {args.long_scenes} scenes"] = load_encoder(
            "mini", pretrain_mini_encoder(tmp.name, cfg, progress=False)).eval()
        print(f"longer pretraining: {time.time() - t1:.0f} s", flush=True)
    rows = []
    for name, enc in encs.items():
        ftr, fte = block_means(enc, tr.images), block_means(enc, te.images)
        for feat, f in {"last, mean": lambda x: x[:, -1], "last4, mean": lambda x: x[:, -4:].flatten(1)}.items():
            for n in SIZES:
                rows.append({"encoder": name, "features": feat, "n_train": n, **fits(f(ftr[:n]), ty[:n], f(fte), vy)})
                print(json.dumps(rows[-1]), flush=True)
    for n in SIZES:
        r = probe_ceiling(n_train=n)
        rows.append({"encoder": "ideal (area histogram)", "features": "ground truth", "n_train": n, "top1_C1": round(r["top1"], 3)})
        print(json.dumps(rows[-1]), flush=True)
    tmp.cleanup()
    res = {"n_test": 500, "rows": rows, "seconds": round(time.time() - t0, 1), "torch_threads": torch.get_num_threads(),
           "command": "OMP_NUM_THREADS=2 .venv/bin/python bench/probe_scale.py" + (f" --long-steps {args.long_steps} --long-scenes {args.long_scenes}" if args.long_steps else "")}
    atomic_write_json(args.out, res, indent=1)  # the stored file's format


if __name__ == "__main__":
    main()
