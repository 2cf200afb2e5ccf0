"""``python -m simulations`` is the ``ccsim`` command."""

from __future__ import annotations

import sys

from simulations.cli import main

sys.exit(main())
