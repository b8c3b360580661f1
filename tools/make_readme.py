"""Write README.md from nbs/index.ipynb (the job `nbdev_readme` does with Quarto, which these machines lack).

Markdown cells are copied, `#| hide` cells dropped, code cells become fenced blocks with their text output;
relative image paths are made relative to the repository root. `--check` exits 1 if README.md is out of date.
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
nb_path = root / "nbs" / "index.ipynb"


def cell_text(cell) -> str:
    src = "".join(cell["source"])
    if cell["cell_type"] == "markdown":
        return re.sub(r"\]\((?!https?:|/|#)([^)]+)\)", r"](nbs/\1)", src)  # images and links relative to nbs/
    lines = src.splitlines()
    directives = [l for l in lines if l.startswith("#|")]
    if any(re.match(r"#\|\s*(hide|exporti?\b)", l) for l in directives): return ""
    code = "\n".join(l for l in lines if not l.startswith("#|")).strip()
    out = []
    for o in cell.get("outputs", []):
        text = o.get("text") or o.get("data", {}).get("text/plain")
        if text: out.append("".join(text).rstrip())
    return f"```python\n{code}\n```" + ("".join(f"\n\n```\n{t}\n```" for t in out))


def render() -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    parts = [t for t in (cell_text(c) for c in nb["cells"]) if t.strip()]
    head = "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n"
    body = "\n\n".join(parts) + "\n"
    # the notebook's title block '> summary' renders as a quote, as nbdev does
    return head + body


if __name__ == "__main__":
    text = render()
    readme = root / "README.md"
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`")
        sys.exit(0)
    readme.write_text(text, encoding="utf-8")
    print(f"wrote {readme}")
