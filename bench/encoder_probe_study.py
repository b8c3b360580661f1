"""What limits the mini encoder's linear probe? Pretraining variants and a supervised upper bound, side by side.

    OMP_NUM_THREADS=1 python bench/encoder_probe_study.py [--only NAME ...] [--out bench/results/encoder_probe_study.json]

Each run pretrains the default mini encoder architecture on the same 4096 Shapes scenes (seed 0) and linear-probes it
with `probe_encoder`'s protocol (2000 / 500 held-out scenes, seeds 1 / 2, mean-pooled tokens). Besides the issue's
label, the (shape, colour) of the largest object, it probes the two halves of that label on their own: the colour of
the largest object (10 classes) and its shape (5 classes). Runs:

- `siglip_dense`: SigLIP alone, dense captions, 300 steps (the default before the region-phrase loss);
- `siglip_short`: short captions (objects only: count, colour, shape);
- `siglip_short_hardneg`: short captions plus two hard-negative captions per image, one shape word and one colour word
  swapped (NegCLIP's idea, Yuksekgonul et al. 2023), as extra negatives of the sigmoid loss;
- `siglip_short_x4`: short captions, 1200 steps (4x the budget);
- `supervised`: the same encoder trained with cross-entropy on the probe's own label through a linear head on
  mean-pooled tokens, same steps, batch and lr: an upper bound for what 300 steps of this architecture can reach;
- `random_init`: no training;
- `region_supervised_patch` / `region_supervised_conv`: is it the loss or the network? Each object's mask-pooled
  tokens (`region_targets`) into a linear head, cross-entropy on the object's (shape, colour), 300 steps, with the
  plain patch projection and with the conv stem (`MiniEncoderConfig.stem`); also reports the held-out per-object
  accuracy (`object_acc`, `object_shape_acc`) on 512 scenes of seed 5;
- `siglip_region`: the recipe as it now is by default (conv stem, SigLIP plus the grounded region-phrase loss at
  weight 3, 450 steps).
- `siglip_region_token`: the default recipe plus a per-token grounded loss (weight 3): every token more than half
  covered by one object is scored, on its own, against the 50 `<colour> <shape>` phrases with the sigmoid loss. The
  question: do tokens that each name their own object make the mean-pooled probe read the largest object better?
- `siglip_region_cover`: the default recipe plus a per-token coverage loss (weight 3): every token, background
  included, is scored against the 50 phrases with a sigmoid loss whose targets are soft, how much of the token objects
  of each (shape, colour) cover; so a token on an object's edge is asked to say *how much* of it the object covers,
  the sub-token area that an 8x8 grid needs to tell the largest object apart (`probe_ceiling(token_grid=8)`).

`--big-probe` adds `shape_colour_20000`: the issue's label probed with 20,000 training scenes (same 500 held out).

Entries are keyed `run@stem` and record the `stem` they were measured with. The runs measured before the conv stem existed (commit 47b1501)
have `"stem": "patch"`; rerunning them today would use the conv stem, so pass `--stem patch` to reproduce them.

Results are merged into the JSON file (one entry per run and stem), so runs can be done one at a time with --only.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

RUNS = ("random_init", "siglip_dense", "siglip_short", "siglip_short_hardneg", "siglip_short_x4", "supervised",
        "region_supervised_patch", "region_supervised_conv", "siglip_region", "siglip_region_token",
        "siglip_region_cover")

def probe_all(enc, big: bool = False) -> dict:
    "The issue's probe, and the colour / shape halves of its label (`probe_encoder`'s protocol and seeds); `big`: also 20,000 scenes."
    from psvae.encoders import probe_encoder, PROBE_ATTRIBUTES
    with tempfile.TemporaryDirectory() as d:
        out = {a: {k: r[k] for k in ("top1", "top5", "n_classes")}
               for a in PROBE_ATTRIBUTES for r in [probe_encoder(enc, d, attribute=a, progress=False)]}
        if big: out["shape_colour_20000"] = {k: v for k, v in probe_encoder(enc, d, n_train=20000, progress=False).items()
                                             if k in ("top1", "top5", "n_classes", "n_train")}
    return out

def default_loss_and_tokens(model, batch, step) -> tuple[dict, torch.Tensor]:
    "`siglip_loss_fn`'s output and the image tower's patch tokens `[B, N, C]` from inside its forward pass (no second pass)."
    import psvae.encoders as E
    seen = {}
    hook = model.image.register_forward_hook(lambda m, i, o: seen.setdefault("tokens", o))
    try: out = E.siglip_loss_fn(model, batch, step)
    finally: hook.remove()
    return out, seen["tokens"]

def token_cover_loss(weight: float = 3.0):
    "The default loss (`siglip_loss_fn`) plus every token against every phrase, the target being how much of it that phrase's objects cover."
    from psvae.shapes import LABEL_NAMES
    def loss_fn(model, batch, step):
        out, tokens = default_loss_and_tokens(model, batch, step)
        masks, labels = batch["region_masks"], batch["region_labels"]  # [B,K,N], [B,K]
        onehot = F.one_hot(labels.clamp(min=0), len(LABEL_NAMES)).to(masks.dtype) * (labels >= 0)[..., None]
        target = torch.einsum("bkn,bkl->bnl", masks, onehot).clamp(max=1).flatten(0, 1)  # [B*N, 50]
        phrases = model.embed_texts(model.vocab.encode(LABEL_NAMES, model.cfg.max_words).to(tokens.device))
        logits = model.pair_logits(model.project(tokens.flatten(0, 1)), phrases)
        cl = F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(1).mean()
        return {**out, "loss": out["loss"] + weight * cl, "cover": cl.detach()}
    return loss_fn

def token_phrase_loss(weight: float = 3.0, min_cover: float = 0.5):
    "The default loss (`siglip_loss_fn`) plus each token more than `min_cover` covered by one object against every phrase."
    import psvae.encoders as E
    def loss_fn(model, batch, step):
        out, tokens = default_loss_and_tokens(model, batch, step)
        cover, k = batch["region_masks"].max(1)  # [B, N]: the most-covering object of each token, and how much
        lab = torch.gather(batch["region_labels"], 1, k)
        keep = (cover > min_cover) & (lab >= 0)
        # each kept token as a one-token "region" of its own: the library's region-phrase loss, unchanged
        tl, tacc = E.region_phrase_loss(model, tokens[keep][:, None], torch.ones(int(keep.sum()), 1, 1, device=tokens.device),
                                        lab[keep][:, None])
        return {**out, "loss": out["loss"] + weight * tl, "token": tl.detach(), "token_acc": tacc.detach()}
    return loss_fn

def hard_negative_loss(kinds=("shape", "colour"), seed: int = 0):
    "The sigmoid loss plus, per image, captions with one shape / colour word swapped, scored as negatives."
    import psvae.encoders as E
    from psvae.shapes import SHAPES, COLOURS, plural
    words = {w: s for s in SHAPES for w in (s, plural(s))}
    rng = np.random.default_rng(seed)
    def swap(caption: str, kind: str) -> str:
        toks = caption.split(" ")
        idx = [i for i, w in enumerate(toks) if w.strip(".,") in (words if kind == "shape" else COLOURS)]
        if not idx: return caption
        i = int(idx[rng.integers(len(idx))]); core = toks[i].strip(".,"); tail = toks[i][len(core):]
        if kind == "shape":
            new = str(rng.choice([s for s in SHAPES if s != words[core]]))
            new = new if core == words[core] else plural(new)
        else: new = str(rng.choice([c for c in COLOURS if c != core]))
        toks[i] = new + tail
        return " ".join(toks)
    def loss_fn(model, batch, step):
        out = E.siglip_loss_fn(model, batch, step)
        caps = batch["caption"]
        ids = model.vocab.encode([swap(c, k) for k in kinds for c in caps], model.cfg.max_words).to(batch["image"].device)
        img = model.embed_images(batch["image"])
        txt = model.embed_texts(ids).view(len(kinds), len(caps), -1)
        logits = (img[None] * txt).sum(-1) * model.logit_scale.exp() + model.logit_bias
        neg = -F.logsigmoid(-logits).sum(0).mean()
        return {**out, "loss": out["loss"] + neg, "hard_neg": neg.detach()}
    return loss_fn

def enc_cfg(stem: str | None = None):
    "The mini encoder's config with `stem`, or the default one."
    from psvae.encoders import MiniEncoderConfig
    return MiniEncoderConfig(stem=stem) if stem else MiniEncoderConfig()

CAPTION_ONLY = dict(steps=300, warmup_steps=30, region_weight=0.0)  # the recipe the caption rows were measured with

def siglip(tmp: Path, stem: str | None, hard_negatives: bool = False, loss_fn=None, **kw):
    "The pretraining path with `MiniPretrainConfig(**kw)`; returns the encoder and the pretraining's seconds."
    from psvae.encoders import MiniPretrainConfig, pretrain_mini_encoder, load_encoder
    t0 = time.time()
    d = pretrain_mini_encoder(tmp, MiniPretrainConfig(**kw), enc_cfg(stem), resume=False, progress=False,
                              loss_fn=hard_negative_loss() if hard_negatives else loss_fn)
    return load_encoder("mini", d), {"pretrain_seconds": round(time.time() - t0, 1)}

def supervised(stem: str | None, steps: int = 300, batch_size: int = 64, lr: float = 2e-3, seed: int = 0):
    from psvae.encoders import MiniEncoder, RenderedShapes, MiniPretrainConfig
    from psvae.core import seed_everything
    from psvae.shapes import LABEL_NAMES
    seed_everything(seed)
    data = RenderedShapes(MiniPretrainConfig().n_train, 64, seed=0)
    enc, head = MiniEncoder(enc_cfg(stem)), torch.nn.Linear(128, len(LABEL_NAMES))
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.1)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(data), (batch_size,), generator=g)
        loss = F.cross_entropy(head(enc(data.images[idx].float() / 255).mean(1)), data.labels[idx])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    return enc.eval()

def region_supervised(stem: str, steps: int = 300, batch_size: int = 64, lr: float = 2e-3, seed: int = 0):
    "Per-object cross-entropy through mask-pooled tokens; returns the encoder and its held-out per-object accuracy."
    from psvae.encoders import MiniEncoder, RenderedShapes, MiniPretrainConfig, pool_regions
    from psvae.core import seed_everything
    from psvae.shapes import LABEL_NAMES, COLOURS
    seed_everything(seed)
    cfg = enc_cfg(stem); grid = cfg.image_size // cfg.patch_size
    data, test = RenderedShapes(MiniPretrainConfig().n_train, 64, seed=0, grid=grid), RenderedShapes(512, 64, seed=5, grid=grid)
    enc, head = MiniEncoder(cfg), torch.nn.Linear(cfg.width, len(LABEL_NAMES))
    def logits(images, masks, labels):
        keep = labels >= 0
        return head(pool_regions(enc(images), masks)[keep]), labels[keep]
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.1)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(data), (batch_size,), generator=g)
        lg, y = logits(data.images[idx].float() / 255, data.region_masks[idx], data.region_labels[idx])
        loss = F.cross_entropy(lg, y)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    enc.eval()
    with torch.no_grad(): lg, y = logits(test.images.float() / 255, test.region_masks, test.region_labels)
    p, nc = lg.argmax(1), len(COLOURS)
    return enc, {"object_acc": round(float((p == y).float().mean()), 3), "object_shape_acc": round(float((p // nc == y // nc).float().mean()), 3)}

def run(name: str, tmp: Path, stem: str | None = None):
    "Train (or build) the encoder of run `name`; `stem` applies to the runs that do not fix their own."
    from psvae.encoders import MiniEncoder
    if name == "random_init": torch.manual_seed(0); return MiniEncoder(enc_cfg(stem)).eval()
    if name == "region_supervised_patch": return region_supervised("patch")
    if name == "region_supervised_conv": return region_supervised("conv")
    if name == "siglip_region": return siglip(tmp, stem)  # every default: conv stem, 450 steps, region_weight 3
    if name == "siglip_region_token": return siglip(tmp, stem, loss_fn=token_phrase_loss())
    if name == "siglip_region_cover": return siglip(tmp, stem, loss_fn=token_cover_loss())
    if name == "siglip_dense": return siglip(tmp, stem, **CAPTION_ONLY)
    if name == "siglip_short": return siglip(tmp, stem, **CAPTION_ONLY, caption_style="short")
    if name == "siglip_short_hardneg": return siglip(tmp, stem, hard_negatives=True, **CAPTION_ONLY, caption_style="short")
    if name == "siglip_short_x4": return siglip(tmp, stem, caption_style="short", **{**CAPTION_ONLY, "steps": 1200, "warmup_steps": 60})
    if name == "supervised": return supervised(stem)
    raise SystemExit(f"unknown run {name!r}: choose from {RUNS}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=None, help=f"runs to do (default all): {' '.join(RUNS)}")
    ap.add_argument("--out", default="bench/results/encoder_probe_study.json")
    ap.add_argument("--stem", choices=("conv", "patch"), default=None, help="encoder stem of runs that do not fix it (default: the config's)")
    ap.add_argument("--big-probe", action="store_true", help="also probe the issue's label with 20,000 training scenes")
    a = ap.parse_args()
    out = Path(a.out)
    res = json.loads(out.read_text()) if out.is_file() else {}
    for name in a.only or RUNS:
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            got = run(name, Path(d), a.stem)
            enc, extra = got if isinstance(got, tuple) else (got, {})
            probes = probe_all(enc, a.big_probe)
        key = f"{name}@{enc.cfg.stem}"  # one entry per run and encoder stem
        res[key] = {**probes, **extra, "stem": enc.cfg.stem, "seconds": round(time.time() - t0, 1), "threads": torch.get_num_threads()}
        print(json.dumps({key: res[key]}), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp"); tmp.write_text(json.dumps(res, indent=1)); tmp.replace(out)

if __name__ == "__main__":
    sys.exit(main())
