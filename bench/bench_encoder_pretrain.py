"""Wall time of the mini encoder's SigLIP pretraining with the default config, against the 5-minute budget of 2 CPU cores.

    OMP_NUM_THREADS=2 python bench/bench_encoder_pretrain.py [--out DIR] [--probe] [--render]

Prints one JSON line: seconds for rendering the scenes, for training, in total, and the total as a ratio of the
300 s budget (below 1 is within budget). With --probe it also linear-probes the result and the same architecture at
random initialisation. With --render it also times rendering the training scenes (`RenderedShapes`, as pretraining
renders them) in one process against the default worker processes, twice each in alternation, and reports the
ratio of the medians. --out keeps the run folder (default: a temporary one, deleted).
"""
import argparse, json, tempfile, time, shutil
from pathlib import Path

import torch

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None, help="keep the run here (default: temporary)")
    ap.add_argument("--probe", action="store_true", help="also linear-probe the pretrained and a random-init encoder")
    ap.add_argument("--render", action="store_true", help="also time serial against parallel rendering of the training scenes")
    ap.add_argument("--steps", type=int, default=None, help="override the default number of steps")
    a = ap.parse_args()
    from psvae.encoders import MiniPretrainConfig, MiniEncoderConfig, MiniEncoder, pretrain_mini_encoder, probe_encoder
    from psvae.learner import read_log
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="bench_enc_"))
    cfg = MiniPretrainConfig() if a.steps is None else MiniPretrainConfig(steps=a.steps)
    t0 = time.time()
    enc_dir = pretrain_mini_encoder(out, cfg, resume=False, progress=False)
    total = time.time() - t0
    train_s = read_log(out / "train")[-1]["time"]
    res = {"bench": "encoder_pretrain", "threads": torch.get_num_threads(),
           "cpu_capability": torch.backends.cpu.get_cpu_capability(),  # the kernels' instruction set: AVX2 and AVX512 train different encoders
           "steps": cfg.steps, "batch_size": cfg.batch_size,
           "n_train": cfg.n_train, "total_s": round(total, 1), "train_loop_s": round(train_s, 1),
           "other_s (render, build, save)": round(total - train_s, 1), "ratio_to_300s_budget": round(total / 300, 3),
           "final_log": read_log(out / "train")[-1]}
    if a.probe:
        res["probe_pretrained"] = probe_encoder(enc_dir, out / "probe", progress=False)
        torch.manual_seed(0)
        res["probe_random_init"] = probe_encoder(MiniEncoder(MiniEncoderConfig()), out / "probe_random", progress=False)
    if a.render:
        import os, statistics
        from psvae.encoders import RenderedShapes
        ecfg, times = MiniEncoderConfig(), {"1": [], "default": []}
        for _ in range(2):
            for w in ("1", "default"):
                t = time.time()
                RenderedShapes(cfg.n_train, ecfg.image_size, cfg.seed, cfg.caption_style, grid=ecfg.image_size // ecfg.patch_size if cfg.region_weight else None,
                               workers=1 if w == "1" else None)
                times[w].append(round(time.time() - t, 2))
        res["render"] = {"n": cfg.n_train, "cores": os.cpu_count(), "seconds_workers_1": times["1"], "seconds_default_workers": times["default"],
                         "speedup": round(statistics.median(times["1"]) / statistics.median(times["default"]), 2)}
    print(json.dumps(res))
    if not a.out: shutil.rmtree(out, ignore_errors=True)

if __name__ == "__main__":
    main()
