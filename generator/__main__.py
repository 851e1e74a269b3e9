"""`python -m generator` is the same as the `hardgen` console script."""

import sys

from .cli import main

sys.exit(main())
