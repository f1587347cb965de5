"""The prompts the LLM sees are frozen: committed transcripts are keyed by their exact text, so any change to a task's
prompt (observation class, reward source, context, rules, wording) makes every recorded call of that task miss.

`tests/data/prompt_hashes.json` holds the SHA-256 of each task's round-1 policy prompt and Feedback-summariser
prompt. A change that is meant to change prompts must re-record the affected transcripts; then update the hashes
with `PROMPTPO_UPDATE_PROMPT_HASHES=1 pytest tests/test_prompt_hashes.py` and commit both together.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from promptpo.prompts import Prompts
from promptpo.sandbox import Limits
from promptpo.tasks import get_task, task_names

HASHES = Path(__file__).parent / "data" / "prompt_hashes.json"


def prompt_hashes(name: str) -> dict[str, str]:
    prompts = Prompts(get_task(name), Limits())
    shown = {"policy": prompts.policy([], None), "feedback": prompts.feedback()}
    return {kind: hashlib.sha256(json.dumps(messages).encode()).hexdigest() for kind, messages in shown.items()}


@pytest.mark.parametrize("name", task_names())
def test_prompts_are_unchanged(name):
    committed = json.loads(HASHES.read_text()) if HASHES.exists() else {}
    current = prompt_hashes(name)
    if os.environ.get("PROMPTPO_UPDATE_PROMPT_HASHES") == "1":
        committed[name] = current
        HASHES.write_text(json.dumps(dict(sorted(committed.items())), indent=1) + "\n")
    assert committed.get(name) == current, (
        f"the prompts of {name} changed: its committed transcripts no longer match. Re-record them, then update "
        "tests/data/prompt_hashes.json (see this file's docstring)"
    )
