"""`python -m ptflow.runtime STEP [--name value ...]`: run one standard-library step."""

from ptflow.runtime.entrypoint import main

raise SystemExit(main())
