"""Every public function and class is used in its own notebook outside its definition: an example a reader sees and
`nbdev_test` runs (a `show_doc` cell alone does not count)."""
import re

from _api import notebook_modules


def test_public_api_shown_in_its_notebook():
    missing = {}
    for nb, cells, _, public in notebook_modules():
        code = "\n".join(s for c in cells if c["cell_type"] == "code"
                         for s in ["".join(c["source"])] if not s.lstrip().startswith(("#| export", "show_doc(")))
        if gone := [k for k in public if not re.search(rf"\b{re.escape(k)}\b", code)]: missing[nb.name] = gone
    assert not missing, f"public names no example cell of their notebook uses (add one after their show_doc): {missing}"
