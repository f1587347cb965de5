"""The `promptpo` command line: serve a local LLM, run PromptPO on a task, regenerate every result."""

from __future__ import annotations

import argparse
import sys


def _serve(argv: list[str]) -> None:
    from promptpo.llm import local_server

    local_server.main(argv)


def _reproduce(argv: list[str]) -> None:
    from promptpo import reproduce

    reproduce.main(argv)


COMMANDS = {
    "reproduce": (_reproduce, "regenerate every result: execute all notebooks with papermill, offline"),
    "serve": (_serve, "run the local llama.cpp OpenAI-compatible server (see `promptpo serve --help`)"),
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = [f"  {name:<10} {help_text}" for name, (_, help_text) in COMMANDS.items()]
        print("usage: promptpo COMMAND [options]\n\ncommands:\n" + "\n".join(lines))
        raise SystemExit(0 if argv and argv[0] in ("-h", "--help") else 2)
    command, _ = COMMANDS[argv[0]]
    command(argv[1:])
