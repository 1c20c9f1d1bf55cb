"""`python -m harness`: the same command line as `harness`."""

import sys

from harness.cli import main

sys.exit(main())
