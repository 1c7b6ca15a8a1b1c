"""``python -m rustorch train`` / ``python -m rustorch info``: see rustorch.cli."""
import sys

from .cli import main

sys.exit(main())
