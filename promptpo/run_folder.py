"""A run's folder: config, prompts, every candidate's code and outcome, the round table, and the resume cache.

Layout (under `runs/<task>/<model>-seed<seed>-<hash>/`, git-ignored):
  config.json             the full configuration of the run
  llm/                    every LLM call of the run (the LLM layer's checkpoint; see promptpo.llm)
  evaluations/<key>.json  every sandboxed evaluation, keyed by (task, code, seeds, summariser, limits): the
                          evaluation checkpoint, so a resumed run re-runs nothing it has finished
  prompts/                each round's policy prompt as Markdown
  candidates/             r<round>_s<sample>_a<attempt>.py (code) and .json (outcome and failure record)
  rounds.csv, result.json the per-round table and the final summary
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from promptpo.evaluation import evaluate_codes
from promptpo.files import csv_text, slug, stable_hash, write_atomic
from promptpo.sandbox import EvalResult, Failure, Limits, Sandbox
from promptpo.tasks import Task


class RunFolder:
    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_run(cls, root: Path, task: str, model: str, seed: int, identity: dict[str, Any]) -> RunFolder:
        """The folder of the run described by `identity` (everything that changes results): rerunning the same
        configuration finds the same folder and resumes from it."""
        return cls(root / task / f"{slug(model)}-seed{seed}-{stable_hash(identity, 8)}")

    def write_json(self, name: str, data: Any) -> None:
        write_atomic(self.path / name, json.dumps(data, indent=1, default=str) + "\n")

    def write_prompt(self, name: str, messages: Sequence[tuple[str, str]]) -> None:
        text = "\n\n".join(f"<!-- {role} -->\n{content}" for role, content in messages)
        write_atomic(self.path / "prompts" / f"{name}.md", text + "\n")

    def write_candidate(self, name: str, code: str | None, record: dict[str, Any]) -> None:
        if code is not None:
            write_atomic(self.path / "candidates" / f"{name}.py", code)
        write_atomic(self.path / "candidates" / f"{name}.json", json.dumps(record, indent=1, default=str) + "\n")

    def write_table(self, name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            write_atomic(self.path / name, csv_text(list(rows[0]), rows))

    def evaluate(
        self,
        sandbox: Sandbox,
        task: Task,
        codes: Sequence[str | Failure | None],
        seeds: Sequence[int],
        *,
        feedback_code: str | None,
        limits: Limits,
        on_done: Callable[[int, EvalResult], None] | None = None,
    ) -> list[EvalResult]:
        """`evaluate_codes`, checkpointed: finished evaluations are read back, new ones stored as they finish."""
        keys = [
            None
            if isinstance(code, Failure)
            else stable_hash([task.name, code, list(seeds), feedback_code, asdict(limits)], 32)
            for code in codes
        ]
        results: list[EvalResult | None] = [self._cached(key) for key in keys]
        todo = [i for i, (code, result) in enumerate(zip(codes, results)) if result is None]

        def store(position: int, result: EvalResult) -> None:
            index = todo[position]
            if keys[index] is not None:
                write_atomic(self._evaluation_path(keys[index]), json.dumps(result.to_dict()) + "\n")
            if on_done is not None:
                on_done(index, result)

        fresh = evaluate_codes(
            sandbox, task, [codes[i] for i in todo], seeds, feedback_code=feedback_code, limits=limits, on_done=store
        )
        for index, result in zip(todo, fresh):
            results[index] = result
        return [result for result in results if result is not None]

    def _evaluation_path(self, key: str) -> Path:
        return self.path / "evaluations" / f"{key}.json"

    def _cached(self, key: str | None) -> EvalResult | None:
        if key is None or not (path := self._evaluation_path(key)).exists():
            return None
        return EvalResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
