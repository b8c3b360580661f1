"""Packaging for psvae. Everything it needs is read from `settings.ini`, which nbdev also reads."""
from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=["="])
cfg.read(here / "settings.ini", encoding="utf-8")
c = cfg["DEFAULT"]

missing = [k for k in ("version", "description", "lib_name", "author", "license", "min_python") if k not in c]
if missing: raise SystemExit(f"settings.ini lacks {missing}: add them under [DEFAULT]")

licenses = {"apache2": ("Apache Software License 2.0", "OSI Approved :: Apache Software License")}
lic_name, lic_classifier = licenses[c["license"]]
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]
pys = ["3.10", "3.11", "3.12", "3.13"]
min_py = c["min_python"]

readme = here / "README.md"
setuptools.setup(
    name=c["lib_name"],
    version=c["version"],
    description=c["description"],
    long_description=readme.read_text(encoding="utf-8") if readme.exists() else c["description"],
    long_description_content_type="text/markdown",
    author=c["author"],
    author_email=c["author_email"],
    url=c["git_url"],
    license=lic_name,
    keywords=c["keywords"],
    classifiers=[
        f"Development Status :: {statuses[int(c['status']) - 1]}",
        f"Intended Audience :: {c['audience']}",
        f"License :: {lic_classifier}",
        f"Natural Language :: {c['language']}",
    ] + [f"Programming Language :: Python :: {v}" for v in pys[pys.index(min_py):]],
    packages=setuptools.find_packages(include=[c["lib_path"], c["lib_path"] + ".*"]),
    include_package_data=True,
    python_requires=f">={min_py}",
    install_requires=c.get("requirements", "").split(),
    extras_require={"dev": c.get("dev_requirements", "").split()},
    entry_points={
        "console_scripts": c.get("console_scripts", "").split(),
        "nbdev": [f"{c['lib_path']}={c['lib_path']}._modidx:d"],
    },
    zip_safe=False,
)
