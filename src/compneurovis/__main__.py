"""``python -m compneurovis``: the same as the ``compneurovis`` command."""

import sys

from compneurovis.launcher import main

sys.exit(main())
