"""Is the linear probe's protocol what holds the mini encoder below 0.8? Regularisation and pooling, side by side.

    OMP_NUM_THREADS=1 python bench/probe_protocol.py [--out bench/results/probe_protocol.json]

Not a speed benchmark. `probe_encoder` fits one logistic regression (C = 1) on mean-pooled, standardised tokens of
2000 Shapes scenes (seed 1) and scores 500 held-out ones (seed 2). This script keeps the data and the label (the
(shape, colour) of the largest object, 50 classes) and varies the two choices a reader might question:

- `C`, the inverse L2 strength, over 0.1 ... 1000 (a probe's regularisation is usually swept);
- the pooling: mean of the tokens (the default) and the mean concatenated with the per-channel max, which lets a
  linear map see "some token is very X" instead of "X on average";

for the cached default mini encoder (`mini_encoder()`, pretrained on first use) and for the ideal features of
`probe_ceiling` (each scene's ground-truth area histogram of (shape, colour)). Every figure here is on the held-out
scenes: it is a study of the protocol, not a way to pick C (picking C on the test set would be tuning the measure).
"""
import argparse, json, time
from pathlib import Path

import torch

from psvae.encoders import RenderedShapes, linear_probe, mini_encoder, probe_ceiling
from psvae.shapes import MINI_SIZE

CS = (0.1, 1.0, 10.0, 100.0, 1000.0)
POOLS = {"mean": lambda t: t.mean(1), "mean+max": lambda t: torch.cat([t.mean(1), t.amax(1)], 1)}


@torch.no_grad()
def tokens(enc, images_u8: torch.Tensor, batch: int = 250) -> torch.Tensor:
    return torch.cat([enc(images_u8[i:i + batch].float() / 255).float() for i in range(0, len(images_u8), batch)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results/probe_protocol.json")
    args = ap.parse_args()
    t0 = time.time()
    enc = mini_encoder(progress=False).eval()
    tr, te = (RenderedShapes(n, MINI_SIZE, seed=s, progress=False) for n, s in ((2000, 1), (500, 2)))
    ttr, tte = tokens(enc, tr.images), tokens(enc, te.images)
    rows = []
    for pool, f in POOLS.items():
        for c in CS:
            r = linear_probe(f(ttr), tr.labels, f(tte), te.labels, C=c)
            rows.append({"features": f"mini encoder, {pool}", "C": c, "top1": round(r["top1"], 3), "top5": round(r["top5"], 3)})
            print(json.dumps(rows[-1]), flush=True)
    for c in CS:
        r = probe_ceiling(C=c)
        rows.append({"features": "ideal (area histogram)", "C": c, "top1": round(r["top1"], 3), "top5": round(r["top5"], 3)})
        print(json.dumps(rows[-1]), flush=True)
    res = {"encoder": str(enc.kind), "n_train": 2000, "n_test": 500, "rows": rows, "seconds": round(time.time() - t0, 1),
           "torch_threads": torch.get_num_threads()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
