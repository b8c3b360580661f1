"""Every public function, and every public method of a public class, carries type annotations.

Public: named in a module's `__all__` (nbdev writes it from the `#| export` cells); a method is public unless its name
starts with `_` (`__init__` counts). `*args` / `**kwargs` are not required to be annotated.
"""
import importlib, inspect, pkgutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import psvae


def _unannotated(fn) -> list[str]:
    "The parameters of `fn` (not self/cls, not *args/**kwargs) without annotations, and 'return' if it has none."
    sig = inspect.signature(fn)
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    miss = [p.name for i, p in enumerate(sig.parameters.values())
            if p.annotation is inspect.Parameter.empty and p.kind not in kinds and not (i == 0 and p.name in ("self", "cls"))]
    if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__": miss.append("return")
    return miss


def _public_callables():
    for m in pkgutil.iter_modules(psvae.__path__):
        if m.name.startswith("_"): continue
        mod = importlib.import_module(f"psvae.{m.name}")
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and obj.__module__ == mod.__name__: yield f"{m.name}.{name}", obj
            elif inspect.isclass(obj) and obj.__module__ == mod.__name__:
                for k, v in vars(obj).items():
                    if k.startswith("_") and k != "__init__": continue
                    if isinstance(v, (classmethod, staticmethod)): v = v.__func__
                    elif isinstance(v, property): v = v.fget
                    if inspect.isfunction(v) and v.__qualname__.startswith(obj.__qualname__ + "."):
                        yield f"{m.name}.{name}.{k}", v


def test_public_api_typed():
    found = dict(_public_callables())
    assert len(found) > 300, len(found)  # the scan sees the package (a wrong import path would find nothing)
    missing = {k: miss for k, fn in found.items() if (miss := _unannotated(fn))}
    assert not missing, f"annotate these in their notebook's #| export cell: {missing}"
