"""`python -m generator` is the same as the `hardgen` console script."""

import sys

from generator.cli import main

sys.exit(main())
