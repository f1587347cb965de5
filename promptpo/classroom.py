"""What the classroom assignments (assignments/) call: policy files graded by `promptpo evaluate --json`, and
thresholds read from the committed result tables."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from promptpo.evaluation import screen
from promptpo.grading import NOTEBOOK_PASS_ENV
from promptpo.llm import Transcript
from promptpo.paths import DATA_DIR, TRANSCRIPTS_DIR
from promptpo.report import Results, final_scores
from promptpo.runner import ResultStore
from promptpo.sandbox.requirements import describe_missing, missing_layers
from promptpo.tasks import get_task

PUBLIC_SEED_BASE = 0  # the seeds of the students' own checks: the held-out seeds every method is reported on
EVALUATE_TIMEOUT_S = 900  # a whole `promptpo evaluate` call; its sandbox's own limits stop a policy long before


def check_machine() -> str:
    """One line (or the start message of `promptpo evaluate`) saying whether this machine confines evaluated code
    with every OS layer. Assignments print it in their first cell."""
    gaps = missing_layers()
    return describe_missing(gaps) or "sandbox: every layer available (rlimits, Landlock, seccomp)"


def evaluate_file(path: str | Path, task: str, episodes: int, *, hidden: bool) -> dict[str, Any]:
    """`promptpo evaluate --json` on a policy file, in its own process: the report (see `grading.evaluate_policy`).

    `hidden=False` evaluates on the public seeds (PUBLIC_SEED_BASE); `hidden=True` leaves the seed base to
    $PROMPTPO_SEED_BASE or $PROMPTPO_SEED_FILE, which the grader sets and the student never sees (the policy never
    sees them either: the sandbox's processes start with a clean environment). A missing file, or a process that
    dies or hangs without a report, gives a report with a `missing_file`, `crash` or `timeout` failure: never an
    exception. Reports are cached by file content, so several tests of one file cost one evaluation. While
    `promptpo grade` runs the student's notebook (its pass 1, without the seed) a hidden evaluation waits: it gives a
    `graded_later` failure at once, and the question is graded again, outside the notebook, with the seed.
    """
    path = Path(path)
    if hidden and os.environ.get(NOTEBOOK_PASS_ENV):
        return _failed_report(task, episodes, "graded_later", "`promptpo grade` evaluates the hidden episodes later")
    if not path.is_file():
        return _failed_report(task, episodes, "missing_file", f"{path.name} was not written: run its cell first")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return _evaluate(str(path.resolve()), digest, task, episodes, hidden)


@functools.cache
def _evaluate(path: str, digest: str, task: str, episodes: int, hidden: bool) -> dict[str, Any]:
    del digest  # part of the cache key only: an edited file is evaluated again
    seed = [] if hidden else ["--seed", str(PUBLIC_SEED_BASE)]
    # -P: the folder of the student's files is not on the import path (a `promptpo/` written there would run).
    command = [sys.executable, "-P", "-m", "promptpo", "evaluate", path, "--task", task, "--episodes", str(episodes)]
    try:
        completed = subprocess.run(
            [*command, *seed, "--json"], capture_output=True, text=True, timeout=EVALUATE_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return _failed_report(task, episodes, "timeout", f"the evaluation took more than {EVALUATE_TIMEOUT_S} s")
    try:
        return json.loads(completed.stdout)
    except ValueError:
        tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        return _failed_report(task, episodes, "crash", f"the evaluation stopped without a report: {tail[0]}")


def _failed_report(task: str, episodes: int, kind: str, message: str) -> dict[str, Any]:
    failure = {"kind": kind, "message": message, "traceback": ""}
    return {"task": task, "score": None, "episodes": episodes, "returns": [], "successes": [], "failure": failure}


def explain(report: dict[str, Any], threshold: float, what: str, *, strict: bool = False) -> str:
    """The message a student reads when a graded part fails: the failure record, or the score against the bar
    (`strict`: the score must exceed it)."""
    failure = report["failure"]
    if failure is not None:
        done = len(report["returns"])
        return f"{what}: zero for this part, failed after {done} episode(s): {failure['kind']}: {failure['message']}"
    needed = "more than" if strict else "at least"
    return f"{what}: {report['score']:.4g} over {len(report['returns'])} episodes; needed {needed} {threshold:.4g}"


def passes(report: dict[str, Any], threshold: float, *, strict: bool = False) -> bool:
    """True when every episode ran and the score reaches `threshold` (exceeds it when `strict`); a failed
    evaluation never passes."""
    if report["failure"] is not None or report["score"] is None:
        return False
    return report["score"] > threshold if strict else report["score"] >= threshold


def zero_action_report(task: str, episodes: int, *, hidden: bool) -> dict[str, Any]:
    """The zero-action reference (no force, no torque: `references.zero_action_policy`) evaluated exactly as a
    student's file is, on the same seeds: written as a policy file and passed to `evaluate_file`."""
    shape = tuple(get_task(task).action_space.shape)
    code = f"import numpy as np\n\n\nclass Policy:\n    def act(self, obs):\n        return np.zeros({shape})\n"
    path = Path(tempfile.gettempdir()) / f"promptpo-zero-action-{task}.py"
    path.write_text(code, encoding="utf-8")
    return evaluate_file(path, task, episodes, hidden=hidden)


@functools.cache
def optimum(task: str) -> float:
    """The exact optimal expected return of a NoiseWorld task from its start (V*, by dynamic programming)."""
    value = get_task(task).exact_optimum()
    if value is None:
        raise ValueError(f"{task} has no exact optimum (the NoiseWorld boards have one)")
    return value


@functools.cache
def committed_results(family: str, profile: str = "default") -> Results:
    """The committed result tables of one family's profile (data/<family>/<profile>/), every job in them."""
    folder = DATA_DIR / family / profile
    return Results.load(folder, ResultStore(folder).done())


def committed_score(family: str, task: str, method: str, profile: str = "default") -> float:
    """A committed final score as the notebooks' final-score table shows it (`report.final_scores`): an RL baseline
    ("PPO", "SAC", "DQN": its last evaluation, mean over training seeds) or a reference ("scripted expert",
    "random", "optimal (exact V*)", ...)."""
    table = final_scores(committed_results(family, profile))
    if task not in table.index or method not in table.columns or pd.isna(table.loc[task, method]):
        raise LookupError(f"no committed {method} score for {task} in data/{family}/{profile}/")
    return float(table.loc[task, method])


def transcripts(model: str, task: str = "") -> list[Transcript]:
    """Every committed transcript of `model` (of one task, if given), in file-name order: round, purpose, sample."""
    folder = TRANSCRIPTS_DIR / model / task if task else TRANSCRIPTS_DIR / model
    return [Transcript.from_json(path.read_text(encoding="utf-8")) for path in sorted(folder.rglob("*.json"))]


def cut_at(transcript: Transcript) -> int | None:
    """The token limit a recorded reply was cut at, None when it ended by itself (as `ChatReply.cut_at_tokens`)."""
    return transcript.request.max_tokens if transcript.finish_reason == "length" else None


def model_policies(model: str, task: str, round_index: int = 1) -> list[tuple[str, str | None, str | None]]:
    """What `model` wrote for `task` in round `round_index` of the committed transcripts: per policy sample
    (its reply, its code or None, its screening failure or None), screened as PromptPO screens every reply."""
    class_name = get_task(task).policy_class_name
    found = []
    for transcript in transcripts(model, task):
        if transcript.tag.purpose == "policy" and transcript.tag.round == round_index:
            code, failure = screen(transcript.reply, class_name, "act", cut_at_tokens=cut_at(transcript))
            found.append((transcript.reply, code, failure.describe() if failure else None))
    return found


def time_limited(function: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    """`function` wrapped so that a call running longer than `seconds` (wall clock) raises TimeoutError: student
    code that runs in the grading kernel itself (a loop variant, an analysis) cannot hang the grader. Uses SIGALRM,
    so it works in the main thread of a Unix process (a Jupyter kernel's cells run there)."""

    @functools.wraps(function)
    def limited(*args: Any, **kwargs: Any) -> Any:
        def stop(signum: int, frame: Any) -> None:
            raise TimeoutError(f"{function.__name__} ran longer than {seconds:g} s: zero for this part")

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return limited


def score_table(folder: str | Path) -> pd.DataFrame:
    """The scores of a graded class: one row per `folder/<submission>/results.json` (written by `promptpo grade`;
    `otter run -o` writes the same shape), one column per question (points), then `total` and `possible`. A
    submission without results.json (its grading was stopped) is a row of zeros with `graded` False, never a
    missing row."""
    rows, possible = {}, {}
    for submission in sorted(path for path in Path(folder).iterdir() if path.is_dir()):
        results = submission / "results.json"
        if not results.is_file():
            rows[submission.name] = {"graded": False}
            continue
        tests = [t for t in json.loads(results.read_text(encoding="utf-8"))["tests"] if t["name"] != "Public Tests"]
        rows[submission.name] = {"graded": True} | {t["name"]: float(t["score"]) for t in tests}
        possible |= {t["name"]: float(t["max_score"]) for t in tests}
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=["graded", *possible])
    table[list(possible)] = table[list(possible)].fillna(0.0)
    table["total"] = table[list(possible)].sum(axis=1)
    table["possible"] = sum(possible.values())
    return table
