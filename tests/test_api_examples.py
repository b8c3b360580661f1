"""Every public function and class is used in its own notebook outside its definition: an example a reader sees and
`nbdev_test` runs (a `show_doc` cell alone does not count)."""
import importlib, inspect, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def test_public_api_shown_in_its_notebook():
    missing, n = {}, 0
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        m = next((re.search(r"#\|\s*default_exp\s+(\w+)", "".join(c["source"])) for c in cells
                  if re.search(r"#\|\s*default_exp", "".join(c["source"]))), None)
        if m is None: continue
        mod = importlib.import_module(f"psvae.{m.group(1)}")
        code = "\n".join(s for c in cells if c["cell_type"] == "code"
                         for s in ["".join(c["source"])] if not s.lstrip().startswith(("#| export", "show_doc(")))
        public = [k for k in mod.__all__ if inspect.isfunction(getattr(mod, k)) or inspect.isclass(getattr(mod, k))]
        n += len(public)
        if gone := [k for k in public if not re.search(rf"\b{re.escape(k)}\b", code)]: missing[nb.name] = gone
    assert n > 300, n  # the scan sees the notebooks
    assert not missing, f"public names no example cell of their notebook uses (add one after their show_doc): {missing}"
