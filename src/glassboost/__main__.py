"""``python -m glassboost``: the same as the ``glassboost`` command."""

import sys

from .cli import main

sys.exit(main())
