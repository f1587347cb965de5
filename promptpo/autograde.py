"""`promptpo grade`: notebook submissions graded by otter in two passes, so no notebook cell sees the secret seed
or decides the score of a policy it wrote."""

from __future__ import annotations

import builtins
import ctypes
import doctest
import json
import os
import shutil
import signal
import subprocess
import symtable
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptpo.grading import NOTEBOOK_PASS_ENV, SEED_ENV, SEED_FILE_ENV, read_seed_file

PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class GradeConfig:
    """`promptpo grade`: grade each notebook in `submissions` with the autograder zip that `otter assign` wrote.

    Pass 1 runs the notebook and otter's tests in it (`otter run`'s own grading code) with the seed file hidden by
    Landlock and no seed in the environment. Pass 2 runs every question whose test cases import what they use (they
    need nothing the notebook computed: the policy questions) again in a fresh process, on the files the notebook
    wrote, with the seed; its score replaces the notebook's. The other questions (functions the student wrote and
    the notebook calls) keep the score otter gave in the notebook, which a hostile notebook can forge.

    The seed base of the hidden episodes is read from `seed_file` (else the file named by $PROMPTPO_SEED_FILE);
    never from $PROMPTPO_SEED_BASE: any process of the account can read another's environment.
    """

    autograder: Path
    submissions: tuple[Path, ...]
    seed_file: Path | None = None
    out: Path = Path("grades")  # results go to out/<notebook name>/results.json
    timeout_s: float = 1800.0  # per pass of one submission; otter runs cells without a time limit


class GradeError(ValueError):
    """A grading run that cannot start (no usable seed file, a missing autograder): nothing was graded."""


def grade(config: GradeConfig, progress: bool = True) -> dict[str, dict[str, Any]]:
    """Grade every submission; returns notebook name -> the results written to out/<name>/results.json."""
    from tqdm.auto import tqdm

    seed_file = _seed_file(config)
    if not config.autograder.is_file():
        raise GradeError(f"no autograder zip at {config.autograder}: make one with `otter assign`")
    _become_subreaper()
    graded = {}
    for submission in tqdm(config.submissions, desc="grading", unit="notebook", disable=not progress):
        graded[submission.stem] = grade_submission(config, submission, seed_file)
    return graded


def grade_submission(config: GradeConfig, submission: Path, seed_file: Path) -> dict[str, Any]:
    """Both passes on one notebook; writes and returns out/<name>/results.json: per question its score, possible
    points, output and where it was graded (`outside the notebook` or `in the notebook`)."""
    folder = config.out / submission.stem
    work = folder / "work"
    shutil.rmtree(work, ignore_errors=True)
    _unpack(config.autograder, submission, work)
    started = time.monotonic()
    notebook = _notebook_pass(work, seed_file, config.timeout_s)
    tests = {}
    for path in sorted((work / "source" / "tests").glob("*.py")):
        if self_contained(path):
            tests[path.stem] = _outside_pass(path, work / "submission", seed_file, config.timeout_s)
        else:
            tests[path.stem] = _from_notebook(path, notebook["tests"])
    results = {
        "tests": list(tests.values()),
        "notebook_pass": {key: value for key, value in notebook.items() if key != "tests"},
        "wall_s": round(time.monotonic() - started, 1),
    }
    (folder / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


# ---- which questions leave the notebook --------------------------------------------------------------------------


def self_contained(test_file: Path) -> bool:
    """True when every case of an otter test file binds or imports every name it uses: it depends on nothing the
    notebook computed (only on the files it wrote), so it can run again outside the notebook."""
    return all(not free_names(_case_source(case.body)) for case in _test_file(test_file).test_cases)


def free_names(source: str) -> set[str]:
    """The names `source` (module code) reads but never binds or imports, builtins excepted."""
    top = symtable.symtable(source, "<case>", "exec")
    bound = {symbol.get_name() for symbol in top.get_symbols() if symbol.is_assigned() or symbol.is_imported()}
    used, tables = set(), [top]
    while tables:
        table = tables.pop()
        used |= {s.get_name() for s in table.get_symbols() if s.is_global() or (table is top and s.is_referenced())}
        tables += table.get_children()
    return used - bound - set(dir(builtins))


def _case_source(body: str) -> str:
    return "".join(example.source for example in doctest.DocTestParser().get_examples(body))


def _test_file(path: Path) -> Any:
    from otter.test_files import OKTestFile

    return OKTestFile.from_file(str(path))


# ---- pass 1: the notebook, under otter, without the seed ----------------------------------------------------------


def _unpack(autograder: Path, submission: Path, work: Path) -> None:
    """The folder layout `otter run` builds in a temporary folder (source/, submission/, results/), kept here so
    that pass 2 finds the files the notebook wrote."""
    for name in ("source", "submission", "results", "home", "tmp"):
        (work / name).mkdir(parents=True)
    (work / "submission_metadata.json").write_text("{}", encoding="utf-8")
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(work / "source")
    shutil.copy(submission, work / "submission")


def _notebook_pass(work: Path, seed_file: Path, timeout_s: float) -> dict[str, Any]:
    """Run otter's grading of the notebook in a process that cannot read `seed_file`, with a fresh $HOME and
    $TMPDIR under `work`; afterwards no process it started is left. Returns its exit status, wall time, whether it
    timed out, and the scores otter wrote (untrusted: the notebook's own code could have written them)."""
    env = {key: value for key, value in os.environ.items() if key not in (SEED_ENV, SEED_FILE_ENV)}
    env |= {NOTEBOOK_PASS_ENV: "1", "HOME": str(work / "home"), "TMPDIR": str(work / "tmp")}
    command = [sys.executable, "-P", "-m", "promptpo.autograde", "notebook", str(work.resolve()), str(seed_file)]
    started, timed_out, spared = time.monotonic(), False, _children()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    _kill_new_children(spared)
    (work / "notebook_pass.log").write_bytes(output)
    return {
        "returncode": process.returncode,
        "timed_out": timed_out,
        "wall_s": round(time.monotonic() - started, 1),
        "tests": _otter_scores(work / "results" / "results.json"),
    }


def _otter_scores(path: Path) -> dict[str, dict[str, Any]]:
    """Question name -> otter's entry in results.json; empty when the file is missing or not what otter writes."""
    try:
        tests = json.loads(path.read_text(encoding="utf-8"))["tests"]
        return {str(test["name"]): test for test in tests if isinstance(test, dict) and "name" in test}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _from_notebook(test_file: Path, scores: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A question graded in the notebook: otter's score there, clipped to the points the trusted test file gives."""
    possible = float(_test_file(test_file).possible)
    entry = scores.get(test_file.stem, {})
    try:
        score = min(max(float(entry.get("score", 0.0)), 0.0), possible)
    except (TypeError, ValueError):
        score = 0.0
    output = str(entry.get("output", "no result: the notebook's grading stopped before this question"))
    return {
        "name": test_file.stem,
        "score": score,
        "max_score": possible,
        "output": output,
        "graded": "in the notebook",
    }


def _run_notebook(work: Path, seed_file: Path) -> None:
    """Pass 1's process: hide the seed file from itself and everything it starts, then otter's own grading."""
    from otter.run.run_autograder import main as run_autograder

    from promptpo.sandbox.os_limits import hide_paths

    if hide_paths([seed_file]) < 1:
        print(f"warning: Landlock is unavailable; the notebook's cells can read {seed_file}", file=sys.stderr)
    os.chdir(work)
    run_autograder(str(work), logo=False, debug=False, otter_run=True)


# ---- pass 2: self-contained questions, outside the notebook, with the seed ---------------------------------------


def _outside_pass(test_file: Path, submission: Path, seed_file: Path, timeout_s: float) -> dict[str, Any]:
    """Run one self-contained question's test file in a fresh process, in the folder of the files the notebook
    wrote, with the seed file named in its environment. The process starts with the safe import path (`-P`): a
    module the notebook wrote there is never imported."""
    env = {key: value for key, value in os.environ.items() if key not in (SEED_ENV, NOTEBOOK_PASS_ENV)}
    env[SEED_FILE_ENV] = str(seed_file)
    command = [sys.executable, "-P", "-m", "promptpo.autograde", "outside", str(test_file.resolve())]
    possible = float(_test_file(test_file).possible)
    failed = {"name": test_file.stem, "score": 0.0, "max_score": possible, "graded": "outside the notebook"}
    spared = _children()
    try:
        completed = subprocess.run(command, cwd=submission, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return failed | {"output": f"the question's tests took more than {timeout_s:.0f} s: zero"}
    finally:
        _kill_new_children(spared)
    try:
        result = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        return failed | {"output": f"the question's tests stopped without a result: {tail[0]}"}
    return failed | {"score": float(result["score"]), "output": result["output"]}


def _run_outside(test_file: Path) -> None:
    """Pass 2's process: otter's own runner on one test file, in an empty namespace; prints one JSON line."""
    tests = _test_file(test_file)
    tests.run({})
    print(json.dumps({"score": tests.score, "output": tests.summary()}))


# ---- plumbing ------------------------------------------------------------------------------------------------------


def _seed_file(config: GradeConfig) -> Path:
    """The seed file, checked readable and holding one integer; the value itself is never passed on."""
    if SEED_ENV in os.environ:
        raise GradeError(
            f"${SEED_ENV} is set: any process of this account, a graded notebook's too, can read another's "
            f"environment; unset it and keep the seed in a file (--seed-file or ${SEED_FILE_ENV})"
        )
    path = config.seed_file or (Path(os.environ[SEED_FILE_ENV]) if SEED_FILE_ENV in os.environ else None)
    if path is None:
        raise GradeError(
            f"no seed file: pass --seed-file or set ${SEED_FILE_ENV}, e.g. mkdir -p ~/.promptpo-grader && "
            "python3 -c 'import secrets; print(secrets.randbelow(10**9))' > ~/.promptpo-grader/seed"
        )
    read_seed_file(path)  # a missing or malformed file stops here, before any grading
    return path.resolve()


def _become_subreaper() -> None:
    """Adopt the orphans of processes this one starts, so that a notebook's detached process can be found and
    killed before the seed is used."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children() -> set[int]:
    me = os.getpid()
    return {pid for pid in _all_pids() if _parent(pid) == me}


def _kill_new_children(spared: set[int]) -> None:
    """SIGKILL every child of this process not in `spared` (with the subreaper flag: also every orphan a pass
    left, detached or not), until none is left."""
    while children := _children() - spared:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces and parentheses


if __name__ == "__main__":
    if sys.argv[1] == "notebook":
        _run_notebook(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "outside":
        _run_outside(Path(sys.argv[2]))
