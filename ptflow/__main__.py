"""``python -m ptflow`` runs the command-line interface."""

import sys

from ptflow.cli import main

sys.exit(main())
