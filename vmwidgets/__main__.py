"""``python -m vmwidgets lessons DIR``: see :mod:`vmwidgets.cli`."""

import sys

from .cli import main

sys.exit(main())
