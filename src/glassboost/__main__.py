"""``python -m glassboost``: the same as the ``glassboost`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
