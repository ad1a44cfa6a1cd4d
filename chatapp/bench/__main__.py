"""`python -m chatapp.bench`: the same as the chatapp-bench command."""

from .cli import main

raise SystemExit(main())
