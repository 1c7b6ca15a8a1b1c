"""All conformance cases, gathered from the cases_*.py modules."""
import importlib
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def all_cases():
    cases = []
    for fname in sorted(os.listdir(_HERE)):
        if fname.startswith("cases_") and fname.endswith(".py"):
            mod = importlib.import_module(f"conformance.{fname[:-3]}")
            cases.extend(mod.CASES)
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate case names: {sorted(dup)}"
    return cases
