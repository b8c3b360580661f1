#!/usr/bin/env python
"""Regenerate the frozen Shapes benchmark sets in data/ (byte-identical), or check them with --check.

    python tools/make_benchmarks.py            # write data/geneval_prompts.jsonl, dense_prompts.jsonl, edit_cases.jsonl
    python tools/make_benchmarks.py --check    # exit 1 if a committed file differs from what the code generates
"""
from __future__ import annotations

import argparse, os, sys
from pathlib import Path

from psvae.core import atomic_write_text
from psvae.shapes import BENCHMARK_FILES, to_jsonl


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "data"), help="folder of the JSONL files")
    ap.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on any difference")
    a = ap.parse_args(argv)
    out, bad = Path(a.out), []
    for name, make in BENCHMARK_FILES.items():
        text = to_jsonl(make())
        path = out / name
        if a.check:
            same = path.is_file() and path.read_text() == text
            print(f"{'ok' if same else 'DIFFERS'}  {path}  ({text.count(chr(10))} lines)")
            if not same: bad.append(name)
        else:
            atomic_write_text(path, text)
            os.chmod(path, 0o644)  # temp files are created private; these are shipped data
            print(f"wrote {path}  ({text.count(chr(10))} lines)")
    if bad: print(f"{len(bad)} file(s) differ: regenerate with `python tools/make_benchmarks.py` if the change is intended", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
