"Same seed, same bytes: the Shapes world is reproducible across processes (fresh interpreters, different hash seeds)."
import hashlib, json, os, subprocess, sys

import pytest

_PROBE = r'''
import hashlib, json
from psvae.shapes import sample_scene, render, caption, sample_edit, geneval_prompt, dense_prompt, scene_for_prompt, \
    negative_scene, EDIT_KINDS, GENEVAL_KINDS
h = {k: hashlib.sha256() for k in ("scenes", "images", "captions", "edits", "prompts")}
for seed in range(12):
    s = sample_scene(seed)
    h["scenes"].update(s.to_json().encode())
    for size in (32, 64, 256):
        h["images"].update(render(s, size).numpy().tobytes())
    h["captions"].update((caption(s, "short", seed) + "|" + caption(s, "dense", seed)).encode())
for i, k in enumerate(EDIT_KINDS):
    e = sample_edit(100 + i, k)
    h["edits"].update(json.dumps(e.to_dict(), sort_keys=True).encode())
    h["images"].update(render(e.target, 64).numpy().tobytes())
for i, k in enumerate(GENEVAL_KINDS):
    p = geneval_prompt(i, k)
    h["prompts"].update(json.dumps(p, sort_keys=True).encode())
    h["scenes"].update(scene_for_prompt(p, 1).to_json().encode() + negative_scene(p, 1).to_json().encode())
d = dense_prompt(3)
h["prompts"].update(json.dumps(d, sort_keys=True).encode())
print(json.dumps({k: v.hexdigest() for k, v in h.items()}))
'''


def _run(hash_seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_same_seed_same_bytes_across_processes():
    a, b = _run("1"), _run("12345")
    assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert set(a) == {"scenes", "images", "captions", "edits", "prompts"}


def test_frozen_benchmarks_match_the_code():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, os.path.join(root, "tools", "make_benchmarks.py"), "--check"], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
