"""`python -m promptpo` is the `promptpo` command."""

from promptpo.cli import main

main()
