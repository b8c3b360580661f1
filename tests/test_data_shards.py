"""Shard datasets under real DataLoader workers and simulated ranks: every sample read once, in a replayable order."""
import warnings
from collections import Counter

import pytest
import torch
from torch.utils.data import DataLoader

from psvae.data import CaptionShardDataset, EditShardDataset, write_caption_shards, write_edit_shards


def image(i, s=16):
    return torch.full((3, s, s), (i % 50) / 50)


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    d = tmp_path_factory.mktemp("cap")
    write_caption_shards(({"image": image(i), "caption": f"c{i}"} for i in range(37)), d, shard_size=5)  # 8 shards
    return d


def keys(loader):
    return [k for b in loader for k in b["key"]]


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_read_every_sample_once(shards, shuffle):
    ds = CaptionShardDataset(shards, 16, None, shuffle=shuffle, seed=3, buffer=7)
    got = keys(DataLoader(ds, batch_size=4, num_workers=2))
    assert Counter(got) == Counter(f"{i:09d}" for i in range(37))
    assert got == keys(DataLoader(ds, batch_size=4, num_workers=2))  # same seed and epoch: same order


def test_ranks_times_workers_partition_the_set(shards):
    per_rank = [keys(DataLoader(CaptionShardDataset(shards, 16, None, seed=1, rank=r, world_size=3), batch_size=3, num_workers=2))
                for r in range(3)]
    flat = [k for ks in per_rank for k in ks]
    assert len(flat) == len(set(flat)) == 37
    assert all(per_rank)


def test_epochs_reshuffle(shards):
    ds = CaptionShardDataset(shards, 16, None, seed=1)
    a = keys(DataLoader(ds, batch_size=8, num_workers=2)); ds.set_epoch(1)
    b = keys(DataLoader(ds, batch_size=8, num_workers=2))
    assert sorted(a) == sorted(b) and a != b


def test_spawned_workers_pickle_the_dataset(tmp_path):
    write_edit_shards(({"source": image(i), "instruction": f"i{i}", "target": image(i + 1), "kind": "tone"} for i in range(6)),
                      tmp_path, shard_size=3)
    dl = DataLoader(EditShardDataset(tmp_path, size=16, shuffle=False), batch_size=2, num_workers=2,
                    multiprocessing_context="spawn")
    got = [(i, k) for b in dl for i, k in zip(b["instruction"], b["kind"])]
    assert sorted(got) == [(f"i{i}", "tone") for i in range(6)]


def test_idle_worker_warns_not_hangs(tmp_path):
    write_caption_shards(({"image": image(i), "caption": "x"} for i in range(3)), tmp_path, shard_size=3)  # 1 shard
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = keys(DataLoader(CaptionShardDataset(tmp_path, 16, None, repeat=False), batch_size=1, num_workers=2))
    assert sorted(got) == [f"{i:09d}" for i in range(3)]


def test_skip_in_workers_keeps_going(shards, tmp_path):
    (tmp_path / "broken.tar").write_bytes((shards / "captions-000000.tar").read_bytes()[:3000])
    for p in sorted(shards.glob("*.tar"))[1:3]: (tmp_path / p.name).write_bytes(p.read_bytes())
    with pytest.warns(UserWarning, match="broken.tar"):
        ds = CaptionShardDataset(tmp_path, 16, None, shuffle=False, on_error="skip")
        got = keys(DataLoader(ds, batch_size=2))
    assert len(got) >= 10 and "broken.tar" in next(iter(ds.skipped))
