"""All nn layer cases, gathered from tests/nn/cases_*.py."""
import importlib
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def all_layer_cases():
    cases = []
    for fname in sorted(os.listdir(_HERE)):
        if fname.startswith("cases_") and fname.endswith(".py"):
            cases.extend(importlib.import_module(f"nn.{fname[:-3]}").CASES)
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate layer case names: {sorted(dup)}"
    return cases
