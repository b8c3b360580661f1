"""Every public function, and every public method of a public class, carries type annotations.

Public: as `_api.notebook_modules` says; a method is public unless its name starts with `_` (`__init__` counts).
`*args` / `**kwargs` are not required to be annotated.
"""
import inspect

from _api import notebook_modules


def _unannotated(fn) -> list[str]:
    "The parameters of `fn` (not self/cls, not *args/**kwargs) without annotations, and 'return' if it has none."
    sig = inspect.signature(fn)
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    miss = [p.name for i, p in enumerate(sig.parameters.values())
            if p.annotation is inspect.Parameter.empty and p.kind not in kinds and not (i == 0 and p.name in ("self", "cls"))]
    if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__": miss.append("return")
    return miss


def _public_callables():
    for _, _, mod, public in notebook_modules():
        for name in public:
            obj = getattr(mod, name)
            if inspect.isfunction(obj): yield f"{mod.__name__}.{name}", obj; continue
            for k, v in vars(obj).items():  # a class: the methods it defines itself (and @patch adds to it)
                if k.startswith("_") and k != "__init__": continue
                if isinstance(v, (classmethod, staticmethod)): v = v.__func__
                elif isinstance(v, property): v = v.fget
                if inspect.isfunction(v) and v.__qualname__.startswith(obj.__qualname__ + "."):
                    yield f"{mod.__name__}.{name}.{k}", v


def test_public_api_typed():
    found = dict(_public_callables())
    missing = {k: miss for k, fn in found.items() if (miss := _unannotated(fn))}
    assert not missing, f"annotate these in their notebook's #| export cell: {missing}"
