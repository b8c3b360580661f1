"""Cached against uncached sampling of the fusion generator, and (with --paper-step) one paper-preset training step.

Sampling: the same generator, prompts, seed and settings through `sample_latents(..., cache=True)` (the context's
keys/values computed once per sample) and `cache=False` (the whole sequence at every step), run interleaved
(A B A B ...) after a warm-up; reports the median wall and CPU time of each, the ratio uncached / cached, and the max
abs difference of the outputs. Text-to-image and editing (whose context also holds the clean image block).

Patch step (--patch-step): mini-preset training steps (flow-matching loss, backward, AdamW) with the latent patchified
at P = 1 (64 tokens per 8x8 latent) and P = 2 (16 tokens, the mini preset's default), on the same batch of 32 random
latents and Shapes prompts (a sixth of them dense), interleaved after a warm-up; reports the median step times and the
ratio P = 1 / P = 2.

Paper step (--paper-step, meant for a GPU): `GeneratorConfig.preset("paper")` (Qwen2.5-0.5B configuration, random
weights, wide DDT head, 96x16x16 latents) trained for a few AdamW steps under bf16 autocast at the given batch; reports
step time, images/s, tokens/s and peak memory.

    .venv/bin/python bench/gen_speed.py [--preset mini|paper] [--cuda] [--batch 8] [--steps 50] [--repeats 5]
    .venv/bin/python bench/gen_speed.py --patch-step --out bench/results/gen_patch_step_cpu.json
    .venv/bin/python bench/gen_speed.py --paper-step --cuda --train-batch 64 --out bench/results/gen_paper_step_cuda.json
"""
import argparse, json, os, platform, statistics, sys, time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from psvae.generator import GeneratorConfig, Generator, build_generator, build_shapes_tokenizer, sample_latents, SampleConfig, count_params
from psvae.train_gen import GenRecipe, GenTrainConfig


def _sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize()


def sampling(args, dev):
    torch.manual_seed(0)
    cfg = GeneratorConfig.preset(args.preset)
    tok = build_shapes_tokenizer()
    if args.preset == "paper": cfg = cfg.replace(vocab_size=len(tok))  # random weights; the Shapes vocabulary is enough to time it
    gen = build_generator(cfg, tokenizer=tok).to(dev).eval()
    for p in gen.head.parameters(): p.data.normal_(std=0.02)  # a trained-like head, not the zero init
    from psvae.shapes import load_dense_prompts, load_geneval_prompts
    short = [p["prompt"] for p in load_geneval_prompts()[::37]][:args.batch]  # GenEval-form prompts (~8 tokens)
    dense = [p["prompt"] for p in load_dense_prompts()[:args.batch]]  # DPG-style dense prompts (~40-70 tokens)
    instr = ["remove the red star", "make the image darker", "change the background to a mint gradient", "turn the blue circle green"] * args.batch
    C, s = gen.cfg.latent_channels, gen.cfg.latent_size
    clean = torch.randn(args.batch, C, s, s, generator=torch.Generator().manual_seed(1)).to(dev)
    amp = torch.autocast("cuda", torch.bfloat16) if dev.type == "cuda" else torch.autocast("cpu", enabled=False)
    res = {}
    for task, prompts in (("t2i_short", short), ("t2i_dense", dense), ("edit", instr[:args.batch])):
        kw = dict(clean=clean if task == "edit" else None, steps=args.steps, seed=0, cfg_scale=6.5)
        run = lambda cache: sample_latents(gen, prompts, cache=cache, **kw)
        with amp:
            ref = {c: run(c) for c in (True, False)}  # warm-up, and the outputs compared
            times = {True: [], False: []}
            cpu = {True: [], False: []}
            for _ in range(args.repeats):
                for c in (True, False):
                    _sync(dev); t0, c0 = time.perf_counter(), time.process_time()
                    run(c); _sync(dev)
                    times[c].append(time.perf_counter() - t0); cpu[c].append(time.process_time() - c0)
        med = {c: statistics.median(v) for c, v in times.items()}
        res[task] = {"mean_prompt_tokens": round(sum(len(tok(p)["input_ids"]) + 1 for p in prompts) / len(prompts), 1), "cached_s": round(med[True], 4), "uncached_s": round(med[False], 4),
                     "cached_cpu_s": round(statistics.median(cpu[True]), 4), "uncached_cpu_s": round(statistics.median(cpu[False]), 4),
                     "speedup_uncached_over_cached": round(med[False] / med[True], 3),
                     "max_abs_diff": float((ref[True].float() - ref[False].float()).abs().max())}
        print(task, json.dumps(res[task]), flush=True)
    return {"preset": args.preset, "patch_size": gen.cfg.patch_size, "batch": args.batch, "steps": args.steps, "cfg_scale": 6.5, "params_m": round(sum(p.numel() for p in gen.parameters()) / 1e6, 1),
            "precision": "bf16 autocast" if dev.type == "cuda" else "fp32", **res}


def patch_step(args, dev):
    "Mini training steps at P = 1 and P = 2, interleaved: what the mini preset's P = 2 buys per step."
    from psvae.shapes import load_dense_prompts, load_geneval_prompts
    torch.manual_seed(0)
    tok, B = build_shapes_tokenizer(), 32
    texts = [p["prompt"] for p in load_geneval_prompts()[::7]][:B - B // 6] + [p["prompt"] for p in load_dense_prompts()[:B // 6]]
    batch = {"latent": torch.randn(B, 32, 8, 8, device=dev), "text": texts}
    runs = {}
    for P in (1, 2):
        gen = build_generator(GeneratorConfig.preset("mini", patch_size=P), tokenizer=tok).to(dev).train()
        runs[P] = (GenRecipe(gen, GenTrainConfig()), torch.optim.AdamW(gen.parameters(), lr=1e-4))
    def step(P):
        recipe, opt = runs[P]
        recipe.loss(batch, 1)["loss"].backward(); opt.step(); opt.zero_grad(set_to_none=True)
    for P in runs: step(P); step(P)  # warm-up
    times = {P: [] for P in runs}
    for _ in range(args.patch_steps):
        for P in runs:
            _sync(dev); t0 = time.perf_counter(); step(P); _sync(dev); times[P].append(time.perf_counter() - t0)
    med = {P: statistics.median(v) for P, v in times.items()}
    r = {"mode": "patch-step", "batch": B, "n_dense": B // 6, "repeats": args.patch_steps,
         **{f"P{P}_step_s": round(m, 4) for P, m in med.items()}, "speedup_P2_over_P1": round(med[1] / med[2], 3)}
    print(json.dumps(r), flush=True)
    return r


def paper_step(args, dev):
    torch.manual_seed(0)
    tok = build_shapes_tokenizer()
    out = {}
    for design in args.designs.split(","):
        cfg = GeneratorConfig.preset("paper", design=design)  # Qwen2.5-0.5B's own vocabulary size (151936): the real embedding cost
        gen = build_generator(cfg, tokenizer=tok).to(dev).train()
        recipe = GenRecipe(gen, GenTrainConfig.preset("paper"))
        opt = torch.optim.AdamW([p for p in gen.parameters() if p.requires_grad], lr=1e-4, fused=dev.type == "cuda")
        B = args.train_batch
        texts = ["a photo of " + " and ".join(["a red circle to the left of a blue star"] * 6)] * B  # ~60-token prompts
        batch = {"latent": torch.randn(B, 96, 16, 16, device=dev), "text": texts}
        if dev.type == "cuda": torch.cuda.reset_peak_memory_stats()
        times = []
        for i in range(args.train_steps + 2):
            _sync(dev); t0 = time.perf_counter()
            with torch.autocast(dev.type, torch.bfloat16, enabled=dev.type == "cuda"):
                loss = recipe.loss(batch, i + 1)["loss"]
            loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
            _sync(dev); times.append(time.perf_counter() - t0)
        st = statistics.median(times[2:])
        seq = 256 + max(len(tok(t)["input_ids"]) for t in texts[:1]) + 1
        r = {"params_m": round(count_params(cfg) / 1e6, 1), "trainable_m": round(count_params(cfg, trainable_only=True) / 1e6, 1),
             "batch": B, "seq_len": seq, "step_s": round(st, 4), "images_per_s": round(B / st, 1), "tokens_per_s": round(B * seq / st),
             "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if dev.type == "cuda" else None,
             "loss": round(float(loss), 4)}
        print(design, json.dumps(r), flush=True)
        out[design] = r
        del gen, recipe, opt
        if dev.type == "cuda": torch.cuda.empty_cache()
    return {"precision": "bf16 autocast, fp32 master weights, fused AdamW", **out}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="mini", choices=["mini", "paper"])
    ap.add_argument("--cuda", action="store_true")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--paper-step", action="store_true", help="time paper-preset training steps instead of sampling")
    ap.add_argument("--patch-step", action="store_true", help="time mini training steps at P = 1 against P = 2 instead of sampling")
    ap.add_argument("--patch-steps", type=int, default=20, help="interleaved repeats of --patch-step")
    ap.add_argument("--train-batch", type=int, default=64)
    ap.add_argument("--train-steps", type=int, default=5)
    ap.add_argument("--designs", default="transfusion,bagel")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if a.cuda and not torch.cuda.is_available(): sys.exit("--cuda given but no GPU is visible")
    dev = torch.device("cuda" if a.cuda else "cpu")
    meta = {"device": torch.cuda.get_device_name() if a.cuda else platform.processor() or platform.machine(),
            "threads": torch.get_num_threads(), "load_avg": os.getloadavg(), "torch": torch.__version__}
    res = {**meta, **(paper_step(a, dev) if a.paper_step else patch_step(a, dev) if a.patch_step else sampling(a, dev))}
    print(json.dumps(res))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
