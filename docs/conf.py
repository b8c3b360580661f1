# Sphinx configuration for the offline psvae docs site; used by tools/build_docs.py
# (`sphinx-build -c docs build/docs/src _site`). The sources are nbdev-processed
# notebooks; nothing is executed, and every asset (MathJax, theme) is served locally.
import configparser
from pathlib import Path

_ini = configparser.ConfigParser()
_ini.read(Path(__file__).resolve().parents[1] / "settings.ini")
_cfg = _ini["DEFAULT"]

project = _cfg.get("title", "psvae")
author = _cfg.get("author", "")
copyright = _cfg.get("copyright", "")
release = version = _cfg.get("version", "")

extensions = ["myst_nb", "sphinx-mathjax-offline"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# notebooks keep their stored outputs; never execute during the docs build
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 4
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "furo"
html_title = f"{project} {release}"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # a local favicon: no 404 for /favicon.ico in the console
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {"navigation_with_keys": True}
