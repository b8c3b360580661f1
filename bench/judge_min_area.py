"""The study behind `ShapesJudge.min_area = 0.01` (nbs/02_shapes.ipynb, "How `min_area = 0.01` was chosen").

    OMP_NUM_THREADS=2 python bench/judge_min_area.py [--vae DIR] [--out FILE]

Not a speed benchmark. It measures (1) the smallest object the Shapes world draws (exact `object_area` over 20,000
random scenes and the sources and targets of 5,000 random edits); (2) the areas of the objects the judge reads from
ground-truth renders at 64 px (the frozen GenEval prompts, dense prompts and edit cases' sources and targets, and
600 random scenes; all gates on, no speck threshold); and, with --vae (a PS-VAE folder, e.g. the 1500-step one of
nbs/11), (3) the objects that pass both gates in an untrained generator's (P = 1, as the default was) samples (first 16 single-object and first
16 colour prompts, 4 samples each, the default sampler) and the untrained model's single-object pass rate at the old
(0.0015) and new (0.01) threshold. Prints one JSON line (and writes it to --out).
"""
import argparse, json
import numpy as np

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vae", default=None, help="a PS-VAE folder: also read an untrained generator's samples on it")
    ap.add_argument("--out", default=None, help="also write the JSON here")
    a = ap.parse_args()
    from psvae.shapes import (ShapesJudge, sample_scene, sample_edit, object_area, render, scene_for_prompt,
                              load_geneval_prompts, load_dense_prompts, load_edit_cases)
    drawn = [object_area(o) for s in range(20_000) for o in sample_scene(s).objects]
    edits = [object_area(o) for e in map(sample_edit, range(5000)) for sc in (e.source, e.target) for o in sc.objects]
    res = {"world_min_object_area": {"scenes_20000": round(min(drawn), 4), "edits_5000": round(min(edits), 4),
                                     "scenes_below_0.03": int(sum(x < 0.03 for x in drawn)), "scene_objects": len(drawn)}}
    J0 = ShapesJudge(min_area=0.0)
    scenes = ([scene_for_prompt(p, seed=0) for p in load_geneval_prompts()] + [scene_for_prompt(p, seed=0) for p in load_dense_prompts()]
              + [s for e in load_edit_cases() for s in (e.source, e.target)] + [sample_scene(10_000 + i) for i in range(600)])
    reads = [J0.read(render(sc, 64)) for sc in scenes]
    areas = np.array([o.area for r in reads for o in r.objects])
    px = 1 / 64 ** 2
    res["ground_truth_reads"] = {"images": len(scenes), "objects": int(len(areas)), "one_pixel": int((areas <= px).sum()),
                                 "over_one_pixel_below_0.01": int(((areas > px) & (areas < 0.01)).sum()),
                                 "images_with_those": sorted({r.filter for r in reads if any(px < o.area < 0.01 for o in r.objects)}),
                                 "from_0.01_to_0.025": [round(float(x), 4) for x in areas[(areas >= 0.01) & (areas < 0.025)]]}
    if a.vae:
        import torch
        from psvae.vae import PSVAE
        from psvae.generator import GeneratorConfig, build_generator, generate_images
        vae = PSVAE.from_pretrained(a.vae).eval()
        ps = load_geneval_prompts()
        probe = [p for k in ("single_object", "colors") for p in [q for q in ps if q["kind"] == k][:16]]
        per = [p for p in probe for _ in range(4)]
        torch.manual_seed(0)
        gen = build_generator(GeneratorConfig(patch_size=1), vae=vae).eval()  # the default when the study was made (now P = 2)
        imgs = generate_images(gen, vae, [p["prompt"] for p in per])
        sp = np.array([o.area for im in imgs for o in J0.read(im).objects])
        single = [(im, p) for im, p in zip(imgs, per) if p["kind"] == "single_object"]
        res["untrained_samples"] = {"images": len(imgs), "gated_objects": int(len(sp)),
                                    "max_area": round(float(sp.max()), 4) if len(sp) else None,
                                    "p90_area": round(float(np.percentile(sp, 90)), 4) if len(sp) else None,
                                    "single_object_pass": {str(J.min_area): round(float(np.mean([J.score_geneval(im, p) for im, p in single])), 3)
                                                           for J in (ShapesJudge(min_area=0.0015), ShapesJudge(min_area=0.01))}}
    line = json.dumps(res); print(line)
    if a.out:
        from pathlib import Path
        Path(a.out).write_text(line + "\n")

if __name__ == "__main__":
    main()
