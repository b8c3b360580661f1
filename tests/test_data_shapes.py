"""Shapes datasets: same seed, same bytes in another process, and through DataLoader workers."""
import contextlib, io, os, subprocess, sys

import torch
from torch.utils.data import DataLoader

from psvae.data import ShapesDataset, ShapesEditDataset

DIGEST = """
import hashlib, sys
from psvae.data import ShapesDataset, ShapesEditDataset
h = hashlib.sha256()
for it in (ShapesDataset(6, size=32, seed=7, target_size=64)[i] for i in range(6)):
    h.update(it["image"].numpy().tobytes()); h.update(it["target"].numpy().tobytes())
    h.update(it["caption"].encode()); h.update(it["scene"].encode()); h.update(str(it["label"]).encode())
for it in (ShapesEditDataset(8, size=32, seed=7)[i] for i in range(8)):
    for k in ("source", "target", "mask"): h.update(it[k].numpy().tobytes())
    h.update(it["instruction"].encode()); h.update(it["kind"].encode())
print(h.hexdigest())
"""


def digest_here():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf): exec(DIGEST, {})
    return buf.getvalue().strip()


def test_same_bytes_in_a_fresh_process():
    env = {**os.environ, "PYTHONHASHSEED": "123", "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-c", DIGEST], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == digest_here()


def test_workers_give_the_same_batches():
    ds = ShapesDataset(12, size=32, seed=2)
    a = list(DataLoader(ds, batch_size=4, num_workers=0))
    b = list(DataLoader(ds, batch_size=4, num_workers=2))
    for x, y in zip(a, b):
        assert torch.equal(x["image"], y["image"]) and x["caption"] == y["caption"] and x["scene"] == y["scene"]
        assert torch.equal(x["label"], y["label"])


def test_edit_batches_collate():
    b = next(iter(DataLoader(ShapesEditDataset(8, size=32), batch_size=8, num_workers=2)))
    assert b["source"].shape == b["target"].shape == (8, 3, 32, 32)
    assert b["mask"].shape == (8, 32, 32) and b["mask"].dtype == torch.bool
    assert len(b["instruction"]) == 8 and len(set(b["kind"])) == 8
