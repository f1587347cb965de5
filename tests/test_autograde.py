"""`promptpo grade`'s parts: which questions leave the notebook, the hidden seed file, and what is trusted from the
notebook's pass. The whole command on every assignment is in test_assignments.py (slow tier)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from promptpo import classroom
from promptpo.autograde import GradeConfig, GradeError, _from_notebook, _seed_file, free_names, self_contained
from promptpo.grading import NOTEBOOK_PASS_ENV, SEED_ENV, SEED_FILE_ENV
from promptpo.sandbox.os_limits import hide_paths, landlock_abi

CASE = ">>> from promptpo import classroom\n>>> report = classroom.evaluate_file('p.py', 't', 3, hidden=True)\n"


def test_free_names_are_what_a_case_reads_without_binding_it():
    assert free_names("from promptpo import classroom\nx = classroom.f()\nassert [y for y in x if y > 0]\n") == set()
    assert free_names("x = 1\nassert all(v > OPTIMUM[t] for v in range(x))\n") == {"OPTIMUM", "t"}
    assert free_names("f = lambda q: q + TASKS['a']\nprint(len(f(1)))\n") == {"TASKS"}


def write_test_file(path: Path, *bodies: str) -> Path:
    cases = [{"code": body, "hidden": True, "locked": False, "points": 1} for body in bodies]
    suite = {"cases": cases, "scored": True, "setup": "", "teardown": "", "type": "doctest"}
    path.write_text(f"OK_FORMAT = True\n\ntest = { ({'name': path.stem, 'points': 2, 'suites': [suite]})!r}\n")
    return path


def test_only_a_question_whose_every_case_imports_what_it_uses_leaves_the_notebook(tmp_path):
    assert self_contained(write_test_file(tmp_path / "q1.py", CASE, CASE))
    # One case reading a notebook variable keeps the whole question in the notebook: its value could be forged.
    assert not self_contained(write_test_file(tmp_path / "q2.py", CASE, ">>> assert report['score'] > BAR\n"))


def test_a_question_graded_in_the_notebook_never_scores_beyond_its_trusted_points(tmp_path):
    test_file = write_test_file(tmp_path / "q.py", ">>> assert f() == 1\n", ">>> assert g() == 2\n")
    forged = {"q": {"name": "q", "score": 1e9, "max_score": 1e9, "output": "all passed"}}
    assert _from_notebook(test_file, forged) | {"output": ""} == {
        "name": "q",
        "score": 2.0,
        "max_score": 2.0,
        "output": "",
        "graded": "in the notebook",
    }
    assert _from_notebook(test_file, {"q": {"score": "many"}})["score"] == 0.0
    missing = _from_notebook(test_file, {})
    assert missing["score"] == 0.0 and "stopped" in missing["output"]


def test_the_seed_comes_from_a_file_never_from_the_environment(tmp_path, monkeypatch):
    seed = tmp_path / "seed"
    seed.write_text("17\n")
    config = GradeConfig(autograder=tmp_path / "a.zip", submissions=(), seed_file=seed)
    monkeypatch.delenv(SEED_FILE_ENV, raising=False)
    monkeypatch.setenv(SEED_ENV, "17")
    with pytest.raises(GradeError, match="environment"):
        _seed_file(config)
    monkeypatch.delenv(SEED_ENV)
    assert _seed_file(config) == seed.resolve()
    with pytest.raises(GradeError, match="no seed file"):
        _seed_file(GradeConfig(autograder=tmp_path / "a.zip", submissions=()))
    seed.write_text("seventeen")
    with pytest.raises(ValueError, match="one non-negative integer"):
        _seed_file(config)


@pytest.mark.skipif(landlock_abi() < 1, reason="needs Landlock")
def test_a_hidden_file_cannot_be_read_by_the_process_or_anything_it_starts(tmp_path):
    for folder in ("grader", "work"):
        (tmp_path / folder).mkdir()
    secret, beside, out = tmp_path / "grader" / "seed", tmp_path / "notes.txt", tmp_path / "work" / "found.txt"
    secret.write_text("424242")
    beside.write_text("readable")
    (tmp_path / "shortcut").symlink_to(tmp_path / "grader")  # a link to the secret's folder must not open it
    read = (
        "import sys\nfor p in sys.argv[1:]:\n"
        "    try: print(open(p).read())\n    except OSError as e: print(type(e).__name__)"
    )
    pid = os.fork()
    if pid == 0:  # the child restricts itself, then a process it starts tries each path
        try:
            hide_paths([secret])
            paths = [str(secret), str(tmp_path / "shortcut" / "seed"), str(beside)]
            found = subprocess.run([sys.executable, "-c", read, *paths], capture_output=True, text=True)
            out.write_text(found.stdout)  # a folder beside the secret's stays writable
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert out.read_text().split() == ["PermissionError", "PermissionError", "readable"]


def test_a_hidden_evaluation_waits_while_the_notebook_runs(monkeypatch, tmp_path):
    policy = tmp_path / "policy.py"
    policy.write_text("class Policy:\n    def act(self, obs):\n        return 0\n")
    monkeypatch.setenv(NOTEBOOK_PASS_ENV, "1")
    report = classroom.evaluate_file(policy, "noise_world_board_1", 5, hidden=True)
    assert report["failure"]["kind"] == "graded_later" and report["score"] is None


def test_a_module_written_beside_the_policy_is_never_imported_by_its_evaluation(tmp_path, monkeypatch):
    """A notebook that writes promptpo/__main__.py into its folder does not get to print its own report."""
    fake = tmp_path / "promptpo"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    forged = {"task": "x", "score": 1e9, "episodes": 3, "returns": [1e9] * 3, "successes": [], "failure": None}
    (fake / "__main__.py").write_text(f"import json\nprint(json.dumps({forged!r}))\n")
    (tmp_path / "policy.py").write_text("class Policy:\n    def act(self, obs):\n        return 0\n")
    monkeypatch.chdir(tmp_path)
    report = classroom.evaluate_file("policy.py", "noise_world_board_1", 3, hidden=False)
    assert report["task"] == "noise_world_board_1" and report["score"] < 0
