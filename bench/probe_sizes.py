"""The linear probe's learning curve: top-1 / top-5 against the number of probe training scenes, for one encoder.

    OMP_NUM_THREADS=2 python bench/probe_sizes.py --encoder DIR --label NAME [--sizes 2000 5000 10000 20000] [--random]

Not a speed benchmark: the study behind the default probe protocol (`psvae.encoders.PROBE_SIZES`). Every size uses
`probe_encoder`'s seeds and the same 500 held-out scenes; Shapes scenes are pure functions of (seed, index), so a
larger training set holds the smaller ones. `--random` also probes the same architecture at random initialisation
(`torch.manual_seed(0)`, as 04 and `bench_encoder_pretrain.py` draw it). The entry is stored under `--label` in
`bench/results/probe_sizes.json` (written atomically; other labels are kept) with the kernels' instruction set
(`torch.backends.cpu.get_cpu_capability()`), which decides which encoder the default pretraining makes.
"""
import argparse, json, tempfile, time
from pathlib import Path

import torch

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", required=True, help="encoder folder (save_pretrained), e.g. $PSVAE_CACHE/mini_encoder-<hash>/encoder")
    ap.add_argument("--label", required=True, help="name of this entry in the results file")
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000, 10000, 20000], help="probe training scenes")
    ap.add_argument("--random", action="store_true", help="also probe the architecture at random initialisation")
    ap.add_argument("--results", default=str(Path(__file__).parent / "results" / "probe_sizes.json"), help="results file")
    a = ap.parse_args()
    from psvae.core import atomic_write_json
    from psvae.encoders import PROBE_SIZES, MiniEncoder, load_encoder, probe_encoder, probe_scenes
    from psvae.shapes import WORLD
    enc = load_encoder("auto", a.encoder)
    encs = {"pretrained": enc}
    if a.random:
        torch.manual_seed(0); encs["random_init"] = MiniEncoder(enc.cfg)
    rows, tmp = [], tempfile.mkdtemp(prefix="probe_sizes_")
    for n in a.sizes:
        data = probe_scenes(n)  # the held-out set is the same 500 scenes at every size
        for name, e in encs.items():
            t = time.time()
            r = probe_encoder(e, tmp, data=data, progress=False)
            rows.append({"encoder": name, "n_train": n, "n_test": r["n_test"], "top1": r["top1"], "top5": r["top5"],
                         "fit_s": round(time.time() - t, 1)})
            print(json.dumps(rows[-1]), flush=True)
    path = Path(a.results)
    res = json.loads(path.read_text()) if path.is_file() else {}
    res[a.label] = {"encoder": a.encoder, "cpu_capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
                    "world": WORLD, "default_sizes": list(PROBE_SIZES), "date": time.strftime("%Y-%m-%d"), "rows": rows}
    atomic_write_json(path, res)

if __name__ == "__main__":
    main()
