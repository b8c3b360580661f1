"""Speed of the paper-scale PS-VAE against Stable Diffusion's VAE (diffusers `AutoencoderKL`), side by side, at 256 px.

Inference mode (default) times, in one run, with the two contenders interleaved (A B A B ...) so that a change in the
machine's load hits both alike:
  encode  PS-VAE `encode`: DINOv2-B + semantic encoder, 224 px in (the paper's encoder input) -> posterior [B,96,16,16]
          vs AutoencoderKL `encode(x).latent_dist`: 256 px in -> posterior [B,4,32,32]
  decode  PS-VAE `decode`: [B,96,16,16] -> 256 px  vs  AutoencoderKL `decode`: [B,4,32,32] -> 256 px
  both    encode + decode (the sum of the two medians)
and reports the median wall time per image, the median CPU time per image (steadier than wall time on a shared
machine), the ratio SD / PS-VAE (above 1: PS-VAE is faster), parameter counts, and GFLOPs per image
(torch.utils.flop_counter on one image; 1 multiply-add = 2 FLOPs). Both models are the paper-scale architectures with
random weights, built locally (nothing downloads): a network's speed does not depend on its weight values. The
DINOv2-B checkpoint is a random `Dinov2Model` with the hub config's numbers, saved to a temporary folder and loaded
through `psvae.vae.build_vae(VAEConfig.preset("paper", encoder_path=...))`, the same path a real checkpoint takes.
fp32 under torch.inference_mode; with --cuda, on the GPU under bf16 autocast (fp32 weights).

Training mode (--train-steps N) times N stage-2 steps of the paper recipe (Fig. 5, stage 2: everything trains) through
`psvae.train_vae.VAERecipe(vae, TrainVAEConfig.preset("paper"), stage=2)`: 224 px in, 256 px targets, the frozen
original encoder as the semantic target, KL, L1 + perceptual (a random-init LPIPS-VGG of the same cost unless
--lpips-path) + PatchGAN with the adaptive weight (the GAN is on, as it is in stage 2: the step counts on from
stage 1's 100k steps, past disc_start), one AdamW over every trainable parameter (the learner's three learning rates
as param groups), grad clip 1. It reports images/s and peak memory (torch.cuda.max_memory_allocated; on CPU the
process's peak RSS). On CUDA it runs under bf16 autocast at batch 96 (the paper's), or the largest that fits. On CPU
it refuses unless --allow-cpu, and then only with a tiny --batch (<= 4): a smoke test of the plumbing, not a speed.

    python bench/vae_speed.py                                         # CPU, batch 4
    python bench/vae_speed.py --cuda --batch 32                       # GPU, bf16 autocast
    python bench/vae_speed.py --cuda --train-steps 20                 # stage-2 training throughput and peak memory
    python bench/vae_speed.py --train-steps 2 --allow-cpu --batch 2   # CPU smoke test of the training path

Prints a markdown table and writes JSON to bench/results/vae_speed_<device>.json (training mode:
bench/results/vae_speed_<device>_train.json; --out to write elsewhere).
"""
from __future__ import annotations

import argparse, os, platform, resource, statistics, sys, tempfile, time, warnings
from contextlib import nullcontext
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"
DINOV2_B = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, mlp_ratio=4, patch_size=14,
                image_size=518, layerscale_value=1.0, qkv_bias=True, use_swiglu_ffn=False)  # facebook/dinov2-base's config
SD_VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, block_out_channels=(128, 256, 512, 512),
              down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4, norm_num_groups=32,
              act_fn="silu", sample_size=256)  # Stable Diffusion v1/v2's KL-f8 autoencoder


def build_psvae(tmp: Path, preset: str = "paper"):
    "The `preset` PS-VAE around a random-init DINOv2-B, loaded from a checkpoint folder written under `tmp`."
    from transformers import Dinov2Config, Dinov2Model
    from transformers.utils import logging as hf_logging
    from psvae.vae import VAEConfig, build_vae
    torch.manual_seed(0)
    folder = tmp / "dinov2-b-random"
    hf_logging.disable_progress_bar()
    Dinov2Model(Dinov2Config(**DINOV2_B)).save_pretrained(folder)
    return build_vae(VAEConfig.preset(preset, encoder_path=str(folder)))


def build_sd_vae():
    "Stable Diffusion's AutoencoderKL architecture, random init."
    from diffusers import AutoencoderKL
    torch.manual_seed(0)
    return AutoencoderKL(**SD_VAE)


def n_params(*mods) -> int: return sum(p.numel() for m in mods if m is not None for p in m.parameters())


def _cpu_sdpa_flops(q, k, v, *args, **kwargs) -> int:
    "FLOPs of the CPU flash-attention kernel (flop_counter counts only the CUDA ones): 2 matmuls."
    from torch.utils.flop_counter import sdpa_flop_count
    return sdpa_flop_count(q, k, v)


def gflops(fn) -> float:
    "GFLOPs of one call of `fn` (matmuls, convolutions, attention)."
    from torch.utils.flop_counter import FlopCounterMode
    mapping = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa_flops}
    with FlopCounterMode(display=False, custom_mapping=mapping) as fc: fn()
    return fc.get_total_flops() / 1e9


def make_sync(dev: torch.device):
    return (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)


def timed(fn, sync) -> tuple[float, float]:
    "Wall and CPU seconds of one call of `fn`, with the device synchronised on both sides."
    sync(); t0, c0 = time.perf_counter(), time.process_time()
    fn(); sync()
    return time.perf_counter() - t0, time.process_time() - c0


def md_table(header: list[str], rows: list[list]) -> str:
    def cell(v): return f"{v:.3g}" if isinstance(v, float) and abs(v) < 10 else f"{v:,.0f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows])


def machine(info: dict) -> str: return info.get("gpu") or f"{info['cpus']} CPUs, {info['threads']} threads"


def env_info(dev: torch.device) -> dict:
    info = {"device": dev.type, "torch": torch.__version__, "python": platform.python_version(), "cpus": os.cpu_count(),
            "threads": torch.get_num_threads(), "loadavg_before": os.getloadavg()[0]}
    if dev.type == "cuda": info["gpu"] = torch.cuda.get_device_name(dev)
    return info


def bench_inference(a, dev: torch.device, amp) -> dict:
    "Encode and decode times of PS-VAE (paper) and SD's AutoencoderKL, interleaved; returns the results."
    import diffusers
    B, sync = a.batch, make_sync(dev)
    with tempfile.TemporaryDirectory(prefix="vae_speed_") as tmp:
        t0 = time.perf_counter()
        ps = build_psvae(Path(tmp)).to(dev).eval()
        sd = build_sd_vae().to(dev).eval()
        build_s = time.perf_counter() - t0
    C, (h, w) = ps.latent_channels, ps.grid
    g = torch.Generator().manual_seed(0)
    x_ps = torch.rand(B, 3, ps.encoder.image_size, ps.encoder.image_size, generator=g).to(dev)
    x_sd = (torch.rand(B, 3, ps.out_size, ps.out_size, generator=g) * 2 - 1).to(dev)  # diffusers takes [-1, 1]
    z_ps = torch.randn(B, C, h, w, generator=g).to(dev)
    f = 2 ** (len(SD_VAE["block_out_channels"]) - 1)
    z_sd = torch.randn(B, SD_VAE["latent_channels"], ps.out_size // f, ps.out_size // f, generator=g).to(dev)
    calls = {  # part: (PS-VAE call, SD call, what goes in and out)
        "encode": (lambda x: ps.encode(x).mean, lambda x: sd.encode(x).latent_dist.mean,
                   x_ps, x_sd, f"{x_ps.shape[-1]} px -> {C}x{h}x{w}", f"{x_sd.shape[-1]} px -> {z_sd.shape[1]}x{z_sd.shape[2]}x{z_sd.shape[3]}"),
        "decode": (ps.decode, lambda z: sd.decode(z).sample, z_ps, z_sd,
                   f"{C}x{h}x{w} -> {ps.out_size} px", f"{z_sd.shape[1]}x{z_sd.shape[2]}x{z_sd.shape[3]} -> {ps.out_size} px"),
    }
    mods = {"encode": ((ps.encoder, ps.semantic_encoder), (sd.encoder, sd.quant_conv)),
            "decode": ((ps.pixel_decoder,) + ((ps.semantic_decoder,) if ps.pixel_input == "semantic_decoder" else ()),
                       (sd.post_quant_conv, sd.decoder))}
    rows = []
    with torch.inference_mode(), amp():
        for part, (fa, fb, xa, xb, io_a, io_b) in calls.items():
            r = {"part": part, "psvae_io": io_a, "sd_io": io_b,
                 "psvae_params_M": n_params(*mods[part][0]) / 1e6, "sd_params_M": n_params(*mods[part][1]) / 1e6}
            if not a.no_flops:
                r["psvae_gflops_per_image"], r["sd_gflops_per_image"] = gflops(lambda: fa(xa[:1])), gflops(lambda: fb(xb[:1]))
            for _ in range(a.warmup): fa(xa); fb(xb); sync()
            ta, tb = [], []
            for _ in range(a.reps):  # A B A B ...: both see the same machine
                ta.append(timed(lambda: fa(xa), sync)); tb.append(timed(lambda: fb(xb), sync))
            for key, t in (("psvae", ta), ("sd", tb)):
                r[f"{key}_ms_per_image"] = 1000 * statistics.median(x[0] for x in t) / B
                r[f"{key}_cpu_ms_per_image"] = 1000 * statistics.median(x[1] for x in t) / B
                r[f"{key}_ms_per_image_all"] = [round(1000 * x[0] / B, 2) for x in t]
            r["ratio_sd_over_psvae"] = r["sd_ms_per_image"] / r["psvae_ms_per_image"]
            r["cpu_ratio_sd_over_psvae"] = r["sd_cpu_ms_per_image"] / r["psvae_cpu_ms_per_image"]
            rows.append(r)
    e, d = rows
    both = {"part": "both", "psvae_io": "encode + decode", "sd_io": "encode + decode"}
    for k in ("psvae_params_M", "sd_params_M", "psvae_gflops_per_image", "sd_gflops_per_image", "psvae_ms_per_image",
              "sd_ms_per_image", "psvae_cpu_ms_per_image", "sd_cpu_ms_per_image"):
        if k in e: both[k] = e[k] + d[k]
    both["ratio_sd_over_psvae"] = both["sd_ms_per_image"] / both["psvae_ms_per_image"]
    both["cpu_ratio_sd_over_psvae"] = both["sd_cpu_ms_per_image"] / both["psvae_cpu_ms_per_image"]
    rows.append(both)

    cpu_cols = dev.type == "cpu"
    header = ["part", "PS-VAE", "SD-VAE", "PS-VAE ms/img", "SD ms/img", "SD / PS-VAE"]
    if cpu_cols: header += ["PS-VAE CPU ms/img", "SD CPU ms/img", "SD / PS-VAE (CPU)"]
    header += ["PS-VAE params M", "SD params M"] + ([] if a.no_flops else ["PS-VAE GFLOPs/img", "SD GFLOPs/img"])
    table = []
    for r in rows:
        row = [r["part"], r["psvae_io"], r["sd_io"], r["psvae_ms_per_image"], r["sd_ms_per_image"], r["ratio_sd_over_psvae"]]
        if cpu_cols: row += [r["psvae_cpu_ms_per_image"], r["sd_cpu_ms_per_image"], r["cpu_ratio_sd_over_psvae"]]
        row += [r["psvae_params_M"], r["sd_params_M"]]
        if not a.no_flops: row += [r["psvae_gflops_per_image"], r["sd_gflops_per_image"]]
        table.append(row)
    info = env_info(dev)
    print(f"PS-VAE (paper preset: DINOv2-B + semantic VAE, {C} channels, LDM pixel decoder) vs SD AutoencoderKL (f8, 4 channels); "
          f"random weights, {'bf16 autocast' if dev.type == 'cuda' else 'fp32'}, batch {B}, {a.warmup} warm-up + {a.reps} interleaved "
          f"reps, median per image.\n{machine(info)}, torch {torch.__version__}, "
          f"diffusers {diffusers.__version__}, load average {info['loadavg_before']:.2f} before / {os.getloadavg()[0]:.2f} after. "
          f"SD / PS-VAE above 1: PS-VAE is faster.\n")
    print(md_table(header, table))
    return {"bench": "vae_speed", "mode": "inference", "unit": "ms per image (median)", **info,
            "loadavg_after": os.getloadavg()[0], "diffusers": diffusers.__version__,
            "precision": "bf16 autocast" if dev.type == "cuda" else "fp32", "build_s": round(build_s, 1),
            "psvae_latent": [C, h, w], "sd_latent": list(z_sd.shape[1:]), "args": vars(a), "results": rows}


def bench_train(a, dev: torch.device, amp) -> dict:
    "Images/s and peak memory of stage-2 PS-VAE training steps (paper preset) through VAERecipe."
    from psvae.losses import PerceptualLoss, PixelLoss, load_lpips
    from psvae.train_vae import TrainVAEConfig, VAERecipe
    sync = make_sync(dev)
    with tempfile.TemporaryDirectory(prefix="vae_speed_") as tmp:
        vae = build_psvae(Path(tmp))
    cfg = TrainVAEConfig.preset("paper")
    if a.no_perceptual: pcfg, net, percep = cfg.pixel_config().replace(perceptual_weight=0.0), None, "off"
    elif a.lpips_path: pcfg, net, percep = cfg.pixel_config(), load_lpips(a.lpips_path), f"LPIPS-VGG from {a.lpips_path}"
    else: pcfg, net, percep = cfg.pixel_config(), PerceptualLoss(), "LPIPS-VGG architecture, random weights (same cost)"
    recipe = VAERecipe(vae, cfg, stage=2, step_offset=cfg.stage1_steps, pixel_loss=PixelLoss(pcfg, perceptual=net))
    recipe.to(dev).train()
    named = [(n, p) for n, p in recipe.named_parameters() if p.requires_grad]
    groups = {"vae": ([], cfg.lr, (0.9, 0.999)), "encoder": ([], cfg.lr * cfg.encoder_lr_scale, (0.9, 0.999)),
              "disc": ([], cfg.disc_lr or cfg.lr, (0.5, 0.9))}  # as train_vae's learner groups
    for n, p in named:
        groups["encoder" if n.startswith("vae.encoder.") else "disc" if n.startswith("pixel_loss.") else "vae"][0].append(p)
    opt = torch.optim.AdamW([{"params": ps, "lr": lr, "betas": b} for ps, lr, b in groups.values() if ps], weight_decay=0.0)
    trainable = sum(p.numel() for _, p in named)
    enc_px, out_px = vae.encoder.image_size, vae.out_size
    step_no = [0]

    def step(batch):
        step_no[0] += 1
        with amp(): losses = recipe.loss(batch, step_no[0])
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in named], 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        return losses

    def make_batch(b):
        g = torch.Generator().manual_seed(b)
        return {"image": torch.rand(b, 3, enc_px, enc_px, generator=g).to(dev),
                "target": torch.rand(b, 3, out_px, out_px, generator=g).to(dev)}

    first = a.batch or cfg.batch_size
    cands = [first] + [c for c in (64, 48, 32, 24, 16, 8, 4, 2, 1) if c < first] if dev.type == "cuda" else [first]
    batch = B = None
    tried = []
    for b in cands:
        batch, oom = make_batch(b), False
        try:
            for _ in range(max(a.warmup, 1) if dev.type == "cuda" else a.warmup): step(batch)  # CUDA: OOM shows here
            sync(); B = b; break
        except torch.cuda.OutOfMemoryError:
            oom = True
        if oom:  # outside the except block, so that the failed step's activations are freed
            tried.append(b); batch = None; opt.zero_grad(set_to_none=True); torch.cuda.empty_cache()
            print(f"batch {b}: out of memory, trying a smaller one", file=sys.stderr)
    if B is None: raise SystemExit(f"out of memory even at batch {cands[-1]}")
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats(dev)
    times, last = [], {}
    for _ in range(a.train_steps):
        t = timed(lambda: last.update(step(batch)), sync)
        times.append(t)
    wall = [t[0] for t in times]
    peak = (torch.cuda.max_memory_allocated(dev) if dev.type == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # Linux: ru_maxrss in KiB
    r = {"batch": B, "oom_batches": tried, "steps": a.train_steps, "warmup_steps": a.warmup,
         "s_per_step_median": statistics.median(wall), "s_per_step_all": [round(x, 3) for x in wall],
         "images_per_s": B * len(wall) / sum(wall), "images_per_s_median_step": B / statistics.median(wall),
         "cpu_s_per_step_median": statistics.median(t[1] for t in times),
         "peak_memory_GiB": peak / 2 ** 30,
         "peak_memory_kind": "torch.cuda.max_memory_allocated" if dev.type == "cuda" else "process peak RSS (ru_maxrss)",
         "trainable_params_M": trainable / 1e6, "gan_on": recipe.pixel_loss.gan_on(step_no[0] + cfg.stage1_steps),
         "perceptual": percep, "loss": float(last["loss"].detach()), "loss_finite": bool(torch.isfinite(last["loss"].detach())),
         "last_losses": {k: round(float(v.detach().float()), 5) for k, v in last.items() if torch.is_tensor(v) and v.numel() == 1}}
    info = env_info(dev)
    print(f"PS-VAE stage-2 training (paper preset, VAERecipe stage 2, GAN on, perceptual: {percep}), "
          f"{enc_px} px in / {out_px} px out, {'bf16 autocast' if dev.type == 'cuda' else 'fp32'}, AdamW + grad clip; "
          f"{a.warmup} warm-up + {a.train_steps} timed steps.\n"
          f"{machine(info)}, torch {torch.__version__}, "
          f"load average {os.getloadavg()[0]:.2f}.\n")
    print(md_table(["batch", "steps", "s/step (median)", "images/s", "peak memory GiB", "trainable params M", "last loss"],
                   [[B, a.train_steps, r["s_per_step_median"], r["images_per_s"], r["peak_memory_GiB"],
                     r["trainable_params_M"], r["loss"]]]))
    if dev.type == "cpu": print("\n(CPU smoke test of the training path: the numbers say the step runs, not how fast training is.)")
    return {"bench": "vae_speed", "mode": "train", "cpu_smoke": dev.type == "cpu", **info, "loadavg_after": os.getloadavg()[0],
            "precision": "bf16 autocast" if dev.type == "cuda" else "fp32", "encoder_px": enc_px, "out_px": out_px,
            "args": vars(a), "results": [r]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cuda", action="store_true", help="run on the GPU under bf16 autocast (default: CPU, fp32)")
    ap.add_argument("--batch", type=int, default=None, help="images per call (default 4; training: 96 or the largest that fits)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed calls (or steps) first (default 1 on CPU, 3 on CUDA)")
    ap.add_argument("--reps", type=int, default=None, help="interleaved timed repetitions per contender (default 5 on CPU, 20 on CUDA)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    ap.add_argument("--no-flops", action="store_true", help="skip the FLOP count")
    ap.add_argument("--train-steps", type=int, default=0, help="instead: time N stage-2 training steps of the paper preset")
    ap.add_argument("--allow-cpu", action="store_true", help="let --train-steps run on CPU (tiny --batch only: a smoke test)")
    ap.add_argument("--lpips-path", default=None, help="training: real LPIPS-VGG weights (default: random weights, same cost)")
    ap.add_argument("--no-perceptual", action="store_true", help="training: leave the perceptual term out")
    ap.add_argument("--out", type=Path, default=None, help="JSON path (default bench/results/vae_speed_<device>[_train].json)")
    a = ap.parse_args(argv)
    if a.cuda and not torch.cuda.is_available(): ap.error("--cuda asked for but torch sees no CUDA device")
    dev = torch.device("cuda" if a.cuda else "cpu")
    if a.threads: torch.set_num_threads(a.threads)
    a.warmup = a.warmup if a.warmup is not None else (3 if a.cuda else 1)
    a.reps = a.reps if a.reps is not None else (20 if a.cuda else 5)
    for k in ("batch", "reps", "threads"):
        if getattr(a, k) is not None and getattr(a, k) < 1: ap.error(f"--{k} must be >= 1")
    if a.warmup < 0 or a.train_steps < 0: ap.error("--warmup and --train-steps must be >= 0")
    if a.train_steps:
        if dev.type == "cpu":
            if not a.allow_cpu:
                ap.error("--train-steps on CPU would take hours at the paper's batch: run it with --cuda, or smoke-test the "
                         "training path with --allow-cpu --batch 2")
            if a.batch is None or a.batch > 4: ap.error("--allow-cpu runs tiny batches only: pass --batch 1 to 4")
        if a.lpips_path and a.no_perceptual: ap.error("pass --lpips-path or --no-perceptual, not both")
    elif a.batch is None: a.batch = 4
    if dev.type == "cuda": torch.backends.cudnn.benchmark = True
    amp = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if dev.type == "cuda" else nullcontext
    warnings.filterwarnings("ignore", message=".*no LPIPS weights.*")
    res = bench_train(a, dev, amp) if a.train_steps else bench_inference(a, dev, amp)
    res["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in res["args"].items()}
    out = a.out or RESULTS / f"vae_speed_{dev.type}{'_train' if a.train_steps else ''}.json"
    from psvae.core import atomic_write_json
    atomic_write_json(out, res); print(f"\nwrote {out}")
    return res


if __name__ == "__main__":
    sys.exit(main() and 0)
