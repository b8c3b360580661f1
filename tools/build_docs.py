#!/usr/bin/env python
"""Build the psvae docs site offline: `python tools/build_docs.py` -> `_site/`.

Why not `nbdev_docs`/`nbdev_proc_nbs`: Quarto cannot be installed here, and
`nbdev_proc_nbs` is unusable offline and on these notebooks (checked with
nbdev 2.4.14):
  * it calls `_ensure_quarto()` first, which tries to download and install
    Quarto when it is missing -> it hangs without internet;
  * `nbdev.serve.proc_nbs` (the part that does not need Quarto) ignores
    `--file_glob` and always processes every notebook (24 s of CPU for the lot);
  * its `exec_show_docs` processor re-executes every cell that contains an
    import, not only exported ones, outside its notebook context: in
    `01_toy` that raises NameError on a `Markdown(...)` table cell whose data
    comes from an unexecuted cell, so the whole run fails.

So this script runs nbdev's own notebook processor (`nbdev.process.NBProcessor`)
with nbdev's docs processors (`nbdev.processors.FilterDefaults.base_procs`:
frontmatter, hide/export directives, `add_show_docs` for the API reference,
`clean_show_doc`, `add_links`, ...) but swaps `exec_show_docs` for
`module_show_docs` below: instead of re-executing notebook cells it imports the
exported module (`#| default_exp`) and renders each `show_doc(...)` cell with
`nbdev.showdoc` in that module's namespace. The result is the same API
reference, without running any notebook. Stored outputs (figures, markdown
tables, text) are kept as they are; nothing is executed.

The processed notebooks are rendered with Sphinx + myst-nb (execution off) and
the furo theme: all pip-installable, offline, built-in client-side search, and
MathJax served from `_static` by sphinx-mathjax-offline (no CDN). Page order
comes from `nbs/sidebar.yml` (the same file Quarto/`nbdev_docs` uses).
"""
from __future__ import annotations

import argparse, html, importlib, re, shutil, sys, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
CONF_DIR = ROOT / "docs"
DOC_HOST = "https://psvae.github.io/psvae/"  # doc_host + doc_baseurl from settings.ini
PAGES: dict = {}  # notebook stem -> page name nbdev/Quarto gives it (00_core -> core)


def page_name(stem: str) -> str:
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(Path(stem + ".ipynb")).stem


def sidebar_order(nbs: Path = NBS):
    "[(section or None, [notebook stems])] in the order of `sidebar.yml`."
    import yaml
    sb = yaml.safe_load((nbs / "sidebar.yml").read_text())["website"]["sidebar"]["contents"]
    groups = []
    def walk(items, section):
        for it in items:
            if isinstance(it, str):
                if not groups or groups[-1][0] != section: groups.append((section, []))
                groups[-1][1].append(Path(it).stem)
            elif isinstance(it, dict) and "contents" in it:
                walk(it["contents"], it.get("section"))
    walk(sb, None)
    return groups


FAILED: list[str] = []  # show_doc cells that could not be rendered (the build fails on any)


def _show_doc_calls(code: str) -> list[str]:
    "The `show_doc(...)` statements of a show_doc cell, each as source; anything else in the cell is an error."
    import ast
    body = ast.parse(code).body
    calls = [n for n in body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
             and getattr(n.value.func, "id", None) == "show_doc"]
    if not calls or len(calls) != len(body):
        raise ValueError("a show_doc cell may hold only show_doc(...) calls: move other code to a cell of its own")
    return [ast.get_source_segment(code, n) for n in calls]


def _show_doc_md(call: str, ns: dict) -> str:
    "The markdown of one `show_doc(obj, ...)` call in the module namespace `ns`, cleaned up for myst-nb."
    md = eval(call, dict(ns))._repr_markdown_()
    md = re.sub(r"#LNone\)", f"{_src_line(call, ns)})", md)  # nbdev found no line
    md = re.sub(r"^\s*---\s*\n", "", md)  # Quarto's rule between entries: a docutils error in an output
    # Quarto link attributes `[source](url){target=... style=...}` -> the same link as raw HTML
    md = re.sub(r'\[source\]\((\S+?)\)\{target="_blank" style="([^"]*)"\}',
                r'<a href="\1" target="_blank" rel="noopener" style="\2">source</a>', md)
    # the anchor nbdev's doc links use (Quarto's heading id): the lower-cased name
    return re.sub(r"^(#{2,4}) (\S+)$", lambda m: f'<a id="{m.group(2).lower()}"></a>\n\n{m.group(0)}', md, flags=re.M)


def _src_line(code: str, ns: dict) -> str:
    "`#L<n>` for the object shown by `show_doc(obj, ...)`, or '' when inspect cannot tell."
    import ast, inspect
    try:
        obj = eval(compile(ast.Expression(ast.parse(code).body[0].value.args[0]), "<sd>", "eval"), dict(ns))
        return f"#L{inspect.getsourcelines(inspect.unwrap(obj))[1]}"
    except Exception: return ""


def _procs():
    from nbdev.processors import FilterDefaults, exec_show_docs, Processor, _is_showdoc
    from nbdev.showdoc import show_doc
    from execnb.nbio import mk_cell

    class module_show_docs(Processor):
        "Render `show_doc(...)` cells in the namespace of the notebook's exported module."
        def begin(self):
            mod = None
            for c in self.nb.cells:
                d = getattr(c, "directives_", {}) or {}
                if "default_exp" in d: mod = d["default_exp"][0]
            self.ns = {"show_doc": show_doc}
            if mod:
                self.ns.update(vars(importlib.import_module(f"psvae.{mod}")))

        def __call__(self, cell):
            if cell.cell_type != "code" or "show_doc(" not in (cell.source or ""): return
            if not _is_showdoc(cell): return
            lines = [l for l in cell.source.splitlines() if not l.startswith("#|")]
            try:  # one entry per `show_doc(...)` line: a cell may document several objects (a notebook shows only the last)
                md = "\n\n".join(_show_doc_md(call, self.ns) for call in _show_doc_calls("\n".join(lines).strip()))
            except Exception as e:  # keep whatever output the notebook stored, and fail the build at the end
                FAILED.append(f"{getattr(self.nb, 'path_', '?')}: {cell.source!r}: {e}")
                warnings.warn(f"show_doc failed in {FAILED[-1]}")
                return
            cell.outputs = [{"output_type": "display_data", "metadata": {},
                             "data": {"text/markdown": md, "text/plain": ""}}]

    base = [module_show_docs if p is exec_show_docs else p for p in FilterDefaults().base_procs()]
    return base


_DIR_TAGS = {("echo", "false"): "remove-input", ("output", "false"): "remove-output",
             ("include", "false"): "remove-cell"}


_CELL_KEYS = {"code": {"id", "cell_type", "metadata", "source", "outputs", "execution_count"},
              "markdown": {"id", "cell_type", "metadata", "source", "attachments"},
              "raw": {"id", "cell_type", "metadata", "source", "attachments"}}


def _to_myst(nb, title_fallback: str):
    "Turn nbdev's Quarto-flavoured processed notebook into one myst-nb renders."
    from execnb.nbio import mk_cell
    fm = dict(getattr(nb, "frontmatter_", {}) or {})
    cells = []
    for c in nb.cells:
        src = c.source or ""
        if c.cell_type == "raw" and src.lstrip().startswith("---"): continue  # quarto frontmatter
        if "<!-- WARNING: THIS FILE WAS AUTOGENERATED" in src: continue
        if c.cell_type == "code":
            tags, keep = set(c.get("metadata", {}).get("tags", [])), []
            for l in src.splitlines():
                m = re.match(r"#\|\s*([\w-]+)\s*:?\s*(.*)$", l)
                if m:
                    t = _DIR_TAGS.get((m.group(1).lower(), m.group(2).strip().lower()))
                    if t: tags.add(t)
                    if m.group(1) == "output" and m.group(2).strip() == "asis": tags.add("remove-input")
                    continue
                keep.append(l)
            c.source = "\n".join(keep).strip("\n")
            if not c.source and not c.get("outputs"): continue
            if not c.source: tags.add("remove-input")
            c.setdefault("metadata", {})["tags"] = sorted(tags)
            for o in c.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if md is not None:
                    md = "".join(md) if isinstance(md, list) else md
                    o["data"]["text/markdown"] = _fix_links(md)
        if c.cell_type == "markdown":
            c.source = _fix_links(src)
        for k in [k for k in c if k not in _CELL_KEYS[c.cell_type]]: del c[k]  # e.g. nbdev's `has_sd`
        cells.append(c)
    head = f"# {fm.get('title', title_fallback)}"
    if fm.get("description"): head += f"\n\n> {fm['description']}"
    nb.cells = [mk_cell(head, "markdown")] + cells
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb


def _fix_links(md: str) -> str:
    """nbdev links symbols to `DOC_HOST/<page>.html#<name>`; point them at this site's pages as raw
    HTML links (the anchors are the `<a id>` targets `module_show_docs` puts before each API entry)."""
    md = md.replace(DOC_HOST, "")
    def sub(m):
        text, page, anchor = m.group(1), m.group(2), m.group(3) or ""
        if page not in PAGES: return m.group(0)
        text = re.sub(r"`([^`]*)`", lambda c: f"<code>{html.escape(c.group(1))}</code>", text)
        return f'<a class="reference internal" href="{page}.html{anchor}">{text}</a>'
    return re.sub(r"\[([^\]]*)\]\(([a-z0-9_]+)\.html(#[^)\s]*)?\)", sub, md)


def process_notebooks(src: Path, order):
    from execnb.nbio import read_nb, write_nb
    from nbdev.process import NBProcessor
    procs = _procs()
    PAGES.clear()
    PAGES.update({page_name(s): s for _, stems in order for s in stems})
    for stem in [s for _, stems in order for s in stems]:
        nb = read_nb(NBS / f"{stem}.ipynb")
        nb.path_ = str(NBS / f"{stem}.ipynb")
        NBProcessor(nb=nb, procs=procs).process()
        nb = _to_myst(nb, stem)
        if stem == "index":  # the walk-through order, from sidebar.yml
            from execnb.nbio import mk_cell
            for section, stems in order:
                stems = [s for s in stems if s != "index"]
                if not stems: continue
                cap = f":caption: {section}\n" if section else ""
                nb.cells.append(mk_cell("```{toctree}\n:hidden:\n:maxdepth: 1\n" + cap + "\n"
                                        + "\n".join(map(page_name, stems)) + "\n```", "markdown"))
        write_nb(nb, src / f"{page_name(stem)}.ipynb")
    for extra in ("images",):
        if (NBS / extra).exists(): shutil.copytree(NBS / extra, src / extra, dirs_exist_ok=True)


def build(out: Path = ROOT / "_site", work: Path = ROOT / "build" / "docs", quiet: bool = True) -> Path:
    t0 = time.time()
    out, work = Path(out), Path(work)
    src = work / "src"
    if src.exists(): shutil.rmtree(src)
    src.mkdir(parents=True)
    order = sidebar_order()
    FAILED.clear()
    process_notebooks(src, order)
    if FAILED: raise SystemExit("API entries that could not be rendered (the page would lack them):\n" + "\n".join(FAILED))
    t1 = time.time()
    from sphinx.cmd.build import build_main
    # build under `work` (myst-nb writes `jupyter_execute/` next to the output dir), then copy to `out`
    html_dir = work / "html"
    for d in (html_dir, out):
        if d.exists(): shutil.rmtree(d)
    args = ["-b", "html", "-c", str(CONF_DIR), "-d", str(work / "doctrees"), "-E", "-j", "1"]
    if quiet: args.append("-q")
    rc = build_main(args + [str(src), str(html_dir)])
    if rc: raise SystemExit(f"sphinx-build failed (rc={rc})")
    shutil.copytree(html_dir, out)
    (out / ".nojekyll").touch()
    pages = sorted(p.name for p in out.glob("*.html") if p.name not in ("genindex.html", "search.html"))
    print(f"built {out} in {time.time()-t0:.1f}s (processing {t1-t0:.1f}s): {len(pages)} pages: {pages}")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_site"))
    ap.add_argument("--work", default=str(ROOT / "build" / "docs"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    build(Path(a.out), Path(a.work), quiet=not a.verbose)
