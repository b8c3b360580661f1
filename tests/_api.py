"""What the API-convention tests share: each notebook's exported module and its public functions and classes.

Imported by tests/test_api_typed.py, tests/test_api_examples.py and tests/test_docs_site.py (pytest puts tests/ on
sys.path).
"""
import importlib, inspect, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def notebook_modules() -> list[tuple[Path, list[dict], object, list[str]]]:
    """`(notebook, its cells, its exported module, the module's public names)` for every notebook with `#| default_exp`.
    Public: a function or class named in the module's `__all__` (nbdev writes it from the `#| export` cells)."""
    out = []
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        text = nb.read_text()
        m = re.search(r"#\|\s*default_exp\s+(\w+)", text)
        if not m: continue
        mod = importlib.import_module(f"psvae.{m.group(1)}")
        public = [k for k in mod.__all__ if inspect.isfunction(getattr(mod, k)) or inspect.isclass(getattr(mod, k))]
        out.append((nb, json.loads(text)["cells"], mod, public))
    assert sum(len(p) for *_, p in out) > 300, out  # the scan sees the notebooks and the package
    return out
