"""Can the Shapes loaders keep a CPU training run fed? Render + caption throughput against a small training step.

Measures, at each size (default 32 and 64 px), in images per second:
  scene      `shapes.sample_scene` alone
  render     `shapes.render` alone (scenes sampled beforehand)
  caption    `shapes.caption` alone (short style)
  item       a full `ShapesDataset` item in this process (sample, render, caption, label, scene JSON)
  loader/wN  a `DataLoader` over `ShapesDataset` with N workers (batches collated, steady state)
  train      a stand-in training step (small conv autoencoder, Adam) on a batch held in memory
  train+wN   the same step pulling each batch from the loader with N workers (what a run sees)
  train+cache  the same step pulling batches from `CachedDataset` (items rendered once, beforehand; main process)
  cached item  items/s (and CPU ms per item) of a DataLoader pass over `CachedDataset`: index + collate only
and the numbers that answer the question: stall = 1 - (train+X)/train, the fraction of training speed lost to
loading (about 0: the loader never stalls), and load share = item CPU ms / (item + train CPU ms per image), the
fraction of a fully busy CPU that rendering takes; CPU times hardly move with the machine's load, wall times do.
On a machine shared with other jobs the wall-clock columns (and so the stalls) swing by 2x from round to round; the
CPU columns and the load shares are the ones to read there. The load average is printed with the table.

    python bench/bench_loaders.py                       # table only
    python bench/bench_loaders.py --out bench/results/loaders.json
"""
from __future__ import annotations

import argparse, json, os, platform, statistics, sys, time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader


def rate(fn, n: int, rounds: int = 3) -> tuple[float, float]:
    "Items per second of calling `fn(i)` for i in range(n), and CPU ms per item; best of `rounds` (a busy machine only slows)."
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(n): fn(i)
        best_wall, best_cpu = min(best_wall, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
    return n / best_wall, 1000 * best_cpu / n


def loader_rate(ds, batch_size: int, workers: int) -> float:
    "Images per second a DataLoader delivers, counted from the first batch (worker start-up excluded)."
    dl = DataLoader(ds, batch_size=batch_size, num_workers=workers, shuffle=False)
    it = iter(dl)
    next(it)
    t0, n = time.perf_counter(), 0
    for b in it: n += len(b["image"])
    return n / (time.perf_counter() - t0)


def stand_in_model() -> nn.Module:
    "A small conv autoencoder (~0.2M parameters): cheaper than any psvae mini model, so stalls show up here first."
    return nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.GELU(), nn.Conv2d(32, 64, 3, 2, 1), nn.GELU(),
                         nn.Conv2d(64, 64, 3, 1, 1), nn.GELU(),
                         nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.GELU(), nn.ConvTranspose2d(32, 3, 4, 2, 1))


def train_rate(batches, steps: int, cpu: bool = False):
    "Images per second of `steps` training steps, each on the next batch from `batches`; with `cpu`, also CPU ms per image."
    torch.manual_seed(0)
    model = stand_in_model(); opt = torch.optim.Adam(model.parameters(), 1e-3)
    def step(x):
        loss = (model(x) - x).pow(2).mean()
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    step(next(batches)["image"])  # warm-up (and the loader's first batch)
    t0, c0, n = time.perf_counter(), time.process_time(), 0
    for _ in range(steps):
        x = next(batches)["image"]; step(x); n += len(x)
    ips = n / (time.perf_counter() - t0)
    return (ips, 1000 * (time.process_time() - c0) / n) if cpu else ips


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64], help="render sizes in px")
    ap.add_argument("--n", type=int, default=256, help="items per throughput measurement")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 2], help="DataLoader num_workers to try")
    ap.add_argument("--steps", type=int, default=10, help="training steps per training measurement")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved repetitions of the training comparison (median)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads of the training process")
    ap.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    a = ap.parse_args(argv)
    if a.n < 2 * a.batch_size: ap.error(f"--n must be at least twice --batch-size ({2 * a.batch_size}): the first batch is not timed")
    torch.set_num_threads(a.threads)

    from psvae.data import CachedDataset, ShapesDataset, item_seed
    from psvae.shapes import caption, render, sample_scene

    load = os.getloadavg()[0]
    rows = []
    for size in a.sizes:
        ds = ShapesDataset(a.n, size=size)
        scenes = [sample_scene(item_seed(0, i)) for i in range(a.n)]
        r = {"size": size}
        for name, fn in [("scene", lambda i: sample_scene(item_seed(1, i))), ("render", lambda i: render(scenes[i], size)),
                         ("caption", lambda i: caption(scenes[i], "short", seed=i)), ("item", lambda i: ds[i])]:
            r[name], r[f"{name} cpu ms"] = rate(fn, a.n)
        for w in a.workers: r[f"loader/w{w}"] = loader_rate(ds, a.batch_size, w)
        fixed = next(iter(DataLoader(ds, batch_size=a.batch_size)))
        big = ShapesDataset(a.batch_size * (a.steps + 2), size=size)
        cache = CachedDataset(big, num_workers=max(a.workers), progress=False)
        feeds = {"train": lambda: iter(lambda: fixed, None),
                 **{f"train+w{w}": (lambda w=w: iter(DataLoader(big, batch_size=a.batch_size, num_workers=w))) for w in a.workers},
                 "train+cache": lambda: iter(DataLoader(cache, batch_size=a.batch_size, shuffle=True))}
        runs = {k: [] for k in feeds}
        for _ in range(a.rounds):  # interleaved, so a change in the machine's load hits every variant alike
            for k, feed in feeds.items(): runs[k].append(train_rate(feed(), a.steps))
        r.update({k: statistics.median(v) for k, v in runs.items()})
        r["train cpu ms"] = train_rate(feeds["train"](), a.steps, cpu=True)[1]
        for k in [f"w{w}" for w in a.workers] + ["cache"]: r[f"stall/{k}"] = 1 - r[f"train+{k}"] / r["train"]
        def one_pass(_):
            for _b in DataLoader(cache, batch_size=a.batch_size, shuffle=True): pass
        passes, cpu = rate(one_pass, 1)
        r["cached item"], r["cached cpu ms"] = passes * len(cache), cpu / len(cache)
        r["load share"] = r["item cpu ms"] / (r["item cpu ms"] + r["train cpu ms"])
        r["load share/cache"] = r["cached cpu ms"] / (r["cached cpu ms"] + r["train cpu ms"])
        rows.append(r)

    print(f"Shapes loader throughput in images/s; stall = fraction of training speed lost to loading\n"
          f"({os.cpu_count()} CPUs, load average {load:.2f} before / {os.getloadavg()[0]:.2f} after, torch {torch.__version__}, "
          f"{a.threads} training threads, batch {a.batch_size}, n {a.n})")
    print(f"{'':>16} | " + " | ".join(f"{str(r['size']) + ' px':>8}" for r in rows))
    for c in rows[0]:
        if c == "size": continue
        fmt = "{:>8.2f}" if c.startswith(("stall", "load share")) or c.endswith("ms") else "{:>8.0f}"
        print(f"{c:>16} | " + " | ".join(fmt.format(r[c]) for r in rows))
    res = {"bench": "loaders", "unit": "images/s", "cpus": os.cpu_count(), "torch": torch.__version__,
           "python": platform.python_version(), "loadavg_before": load, "loadavg_after": os.getloadavg()[0], "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
           "results": rows}
    if a.out is not None:
        from psvae.core import atomic_write_json
        atomic_write_json(a.out, res); print(f"wrote {a.out}")
    return res


if __name__ == "__main__":
    sys.exit(main() and 0)
