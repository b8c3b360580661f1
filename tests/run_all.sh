#!/usr/bin/env bash
# The README's test command: create or reuse .venv in the checkout, install psvae with its dev tools, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
log=$(mktemp)  # a failed install stops here (a filter in a pipe used to hide pip's exit status)
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"; echo "pip install -e '.[dev]' failed: see above" >&2; exit 1
fi
grep -v "is ignored: it is neither" "$log" || true; rm -f "$log"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" MPLBACKEND=Agg HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
echo "== notebooks (nbdev_test)"
.venv/bin/nbdev_test --n_workers 2 --do_print --timing
echo "== tests/ (pytest)"
.venv/bin/python -m pytest -q tests
