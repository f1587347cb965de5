"""The experiment runner: idempotent tidy results, identical results from the local pool and Ray, resumable grids."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from types import SimpleNamespace

import pandas as pd
import pytest

from promptpo.experiments import grid, load_profile
from promptpo.runner import Job, JobOutput, ResultStore, execute, policy_header, run_grid
from promptpo.tasks import get_task

TASK = "noise_world_board_0"
JOBS = [
    Job(TASK, "reference", 0, {"episodes": 5}),
    Job(TASK, "ppo", 0, {"total_steps": 1024, "eval_every": 512, "eval_episodes": 2}),
    Job(TASK, "ppo", 1, {"total_steps": 1024, "eval_every": 512, "eval_episodes": 2}),
    Job(TASK, "dqn", 0, {"total_steps": 400, "eval_every": 200, "eval_episodes": 2}),
]


def tables(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("local")
    timings = run_grid(JOBS, folder, workers=2, progress=False)
    return folder, timings


def test_grid_writes_tidy_tables_with_every_config(local_results):
    folder, timings = local_results
    curves = pd.read_csv(folder / "learning_curves.csv")
    assert set(curves["algo"]) == {"ppo", "dqn"} and list(curves.query("algo == 'ppo' and seed == 0")["env_steps"]) == [
        0,
        512,
        1024,
    ]
    references = pd.read_csv(folder / "references.csv")
    assert list(references["reference"]) == ["random", "optimal (DP)", "optimal (exact V*)"]
    assert references.iloc[2]["score"] == pytest.approx(34.914, abs=1e-3)
    records = [json.loads(line) for line in (folder / "jobs.jsonl").read_text().splitlines()]
    assert [r["job"] for r in records] == [job.key for job in JOBS]  # sorted in grid order, whatever finished first
    assert records[1]["config"] == JOBS[1].config
    assert "train_seconds" not in curves.columns  # wall-clock numbers are timings, not results
    assert {t["job"] for t in timings} == {job.key for job in JOBS} and all(t["wall_s"] > 0 for t in timings)


def test_rerunning_a_finished_grid_runs_nothing_and_changes_nothing(local_results):
    folder, _ = local_results
    before = tables(folder)
    assert run_grid(JOBS, folder, progress=False) == []
    assert tables(folder) == before


def test_recompute_reproduces_results_byte_for_byte(local_results, tmp_path):
    folder, _ = local_results
    copy = tmp_path / "copy"
    copy.mkdir()
    for name, data in tables(folder).items():
        (copy / name).write_bytes(data)
    timings = run_grid(JOBS, copy, workers=2, recompute=True, progress=False)
    assert len(timings) == len(JOBS) and tables(copy) == tables(folder)


def test_pruning_drops_the_jobs_a_profile_no_longer_has_and_runs_nothing_else(local_results, tmp_path):
    """A profile that drops a seed: `prune` leaves exactly the results of the smaller grid, as a fresh run of it
    would write them, without rerunning a job."""
    folder, _ = local_results
    copy = tmp_path / "copy"
    copy.mkdir()
    for name, data in tables(folder).items():
        (copy / name).write_bytes(data)
    smaller = [job for job in JOBS if job.seed == 0]
    assert run_grid(smaller, copy, prune=True, progress=False) == []
    fresh = tmp_path / "fresh"
    run_grid(smaller, fresh, workers=2, progress=False)
    assert tables(copy) == tables(fresh)
    assert ResultStore(copy).done() == {job.key for job in smaller}


def test_ray_executor_gives_exactly_the_local_results(local_results, tmp_path):
    ray = pytest.importorskip("ray")
    folder, _ = local_results
    try:
        run_grid(JOBS, tmp_path, executor="ray", workers=2, progress=False)
    finally:
        ray.shutdown()
    assert tables(tmp_path) == tables(folder)


def test_killed_grid_resumes_without_redoing_finished_jobs(tmp_path):
    jobs = [Job(TASK, "reference", 0, {"episodes": 5})] + [
        Job(TASK, "ppo", seed, {"total_steps": 2048, "eval_every": 1024, "eval_episodes": 2}) for seed in range(3)
    ]
    script = (
        "import sys, pickle; from pathlib import Path; from promptpo.runner import run_grid;"
        "run_grid(pickle.loads(bytes.fromhex(sys.argv[1])), Path(sys.argv[2]), workers=1, progress=False)"
    )
    import pickle

    process = subprocess.Popen([sys.executable, "-c", script, pickle.dumps(jobs).hex(), str(tmp_path)])
    deadline = time.monotonic() + 120
    while len(ResultStore(tmp_path).done()) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the grid finished before it could be killed"
        time.sleep(0.05)
    process.kill()
    process.wait()
    finished = ResultStore(tmp_path).done()
    assert 2 <= len(finished) < len(jobs)
    timings = run_grid(jobs, tmp_path, workers=1, progress=False)
    assert {t["job"] for t in timings} == {job.key for job in jobs} - finished
    assert ResultStore(tmp_path).done() == {job.key for job in jobs}
    curves = pd.read_csv(tmp_path / "learning_curves.csv")
    assert sorted(set(curves["seed"])) == [0, 1, 2] and len(curves) == 9  # no duplicated rows from the killed run


def test_profiles_build_grids_and_notebook_parameters_override_them():
    jobs = grid("hard_exploration", "default")
    methods = {job.method for job in jobs}
    assert methods == {"reference", "promptpo", "ppo", "dqn"}
    assert all(job.task.startswith("noise_world") for job in jobs if job.method == "dqn")  # DQN: Discrete only
    overridden = grid(
        "hard_exploration",
        "default",
        tasks=["noise_world_board_1"],
        rounds=3,
        model="gpt-4o",
        llm_mode="record",
        seeds=[4, 5],
    )
    promptpo = [job for job in overridden if job.method == "promptpo"]
    assert [job.seed for job in promptpo] == [4, 5] and promptpo[0].config["rounds"] == 3
    assert promptpo[0].config["llm"]["model"] == "gpt-4o"
    # The LLM mode and endpoint do not change results, so they do not change the job's identity.
    same = grid("hard_exploration", "default", tasks=["noise_world_board_1"], rounds=3, model="gpt-4o", seeds=[4, 5])
    assert [j.key for j in same if j.method == "promptpo"] == [j.key for j in promptpo]
    with pytest.raises(KeyError, match="available"):
        grid("hard_exploration", "no-such-profile")


def test_a_failing_job_is_reported_and_does_not_cost_the_others(tmp_path):
    from promptpo.runner import GridError

    good = Job(TASK, "reference", 0, {"episodes": 3})
    broken = Job(TASK, "sac", 0, {"total_steps": 100, "eval_every": 50})  # SAC cannot act in a Discrete space
    with pytest.raises(GridError, match=r"(?s)1 of 2 jobs failed.*sac on noise_world_board_0.*Discrete"):
        run_grid([good, broken], tmp_path, workers=2, progress=False)
    assert ResultStore(tmp_path).done() == {good.key}


def test_promptpo_runs_once_per_model_of_the_profile():
    jobs = [
        job for job in grid("hard_exploration", "default", tasks=["noise_world_board_1"]) if job.method == "promptpo"
    ]
    models = [job.config["llm"]["model"] for job in jobs]
    assert models == ["qwen2.5-coder-1.5b-instruct-q4_k_m", "qwen2.5-coder-0.5b-instruct-q4_k_m"]
    assert len({job.key for job in jobs}) == 2  # different models are different results
    only = grid("hard_exploration", "default", tasks=["noise_world_board_1"], model="gpt-4o", methods=("promptpo",))
    assert [job.config["llm"]["model"] for job in only] == ["gpt-4o"]


def test_a_table_gains_a_column_without_shifting_values_and_forgetting_every_job_drops_it(tmp_path):
    old, new = Job(TASK, "reference", 0, {"episodes": 1}), Job(TASK, "reference", 1, {"episodes": 1})
    store = ResultStore(tmp_path)
    store.add(old, JobOutput(tables={"t": [{"job": old.key, "score": 1.5}]}))
    store.add(new, JobOutput(tables={"t": [{"job": new.key, "round": 3, "score": 2.5}]}))  # a newer version's row
    with open(tmp_path / "t.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{"job": old.key, "score": "1.5", "round": ""}, {"job": new.key, "score": "2.5", "round": "3"}]
    store.forget({old.key, new.key})
    assert not (tmp_path / "t.csv").exists() and store.done() == set()


def test_promptpo_runs_only_on_the_tasks_its_section_names_with_the_same_jobs_as_the_full_grid(monkeypatch):
    """`promptpo: {tasks: [...]}` (like `baselines.<algo>.tasks`) lets a profile replay the tasks whose recording is
    complete while the others record: the subset is not part of a job's config, so its jobs replay the same calls."""
    import promptpo.experiments

    full = load_profile("mujoco", "default")
    named = ["mujoco_hopper", "mujoco_ant"]
    subset = {**full, "promptpo": {**full["promptpo"], "tasks": named}}
    monkeypatch.setattr(promptpo.experiments, "load_profile", lambda family, profile: subset)
    jobs = grid("mujoco", "default")
    promptpo_jobs = [job for job in jobs if job.method == "promptpo"]
    assert [job.task for job in promptpo_jobs] == named
    assert set(named) < {job.task for job in jobs if job.method == "ppo"}
    monkeypatch.undo()
    assert {job.key for job in promptpo_jobs} < {job.key for job in grid("mujoco", "default", methods=("promptpo",))}


def test_tables_write_floats_at_a_fixed_precision(tmp_path):
    """Last-bit differences of a simulator between runs must not change the committed bytes."""
    job = Job(TASK, "reference", 0, {"episodes": 1})
    for value, folder in ((546.8891799867112, "a"), (546.8891799867109, "b")):
        ResultStore(tmp_path / folder).add(job, JobOutput(tables={"t": [{"job": job.key, "score": value, "n": 3}]}))
    assert (tmp_path / "a" / "t.csv").read_bytes() == (tmp_path / "b" / "t.csv").read_bytes()
    assert (tmp_path / "a" / "t.csv").read_text().splitlines()[1] == f"{job.key},546.88918,3"


def test_box_tasks_get_a_zero_action_reference_that_stands_still():
    """Where the action space holds a neutral action, the references include it (Hopper: the healthy reward of
    every step until it falls); NoiseWorld's Discrete space has none; and it never counts as the optimum."""
    from promptpo.references import zero_action_policy
    from promptpo.report import Results

    assert zero_action_policy(get_task("noise_world_board_0")) is None
    hopper = Job("mujoco_hopper", "reference", 0, {"episodes": 2})
    rows = execute(hopper).tables["references"]
    assert [row["reference"] for row in rows] == ["random", "zero action"]
    zero = rows[1]["score"]
    assert zero > rows[0]["score"] and zero > 20  # standing collects about 1 per step for a while
    references = pd.DataFrame(rows)
    results = Results(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), references)
    assert results.reference("mujoco_hopper", "optimal") is None


def test_named_references_are_listed_but_never_taken_for_the_optimum():
    """A task's named references (`Task.references`: controllers, rules) get rows of their own, marked with the
    reference suffix; with no oracle and no exact optimum the report has no optimum for the task."""
    from promptpo.report import Results

    rows = execute(Job("pandemic", "reference", 0, {"episodes": 2})).tables["references"]
    names = [row["reference"] for row in rows]
    assert names == [
        "random",
        "always stage 0 (reference)",
        "always stage 2 (reference)",
        "always stage 4 (reference)",
        "threshold rule (reference)",
    ]
    results = Results(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(rows))
    assert results.reference("pandemic", "optimal") is None
    assert results.reference("pandemic", "random") == rows[0]["score"]


def test_a_winner_without_a_heldout_score_is_stored_saying_so():
    """A round winner ran on its selection episodes but failed on a held-out one (recorded: board 5 with key info,
    rounds 2 and 3 of the 1.5B model): its policy file says so instead of the job crashing on the missing score."""
    job, winner = Job("noise_world_board_5_key_info", "promptpo", 0, {}), SimpleNamespace(round=3, score=-100.0)
    header = policy_header(job, "qwen2.5-coder-1.5b-instruct-q4_k_m", "last", winner, None)
    assert header.endswith("selection score -100, held-out score none (it failed on the held-out episodes)\n")
    assert policy_header(job, "m", "best", winner, 975.5).endswith("held-out score 975.5\n")


def test_finalize_brings_rows_written_at_full_precision_to_the_fixed_precision(tmp_path):
    """A table written before the precision rule regenerates to the same bytes as one written after it."""
    job = Job(TASK, "reference", 0, {"episodes": 1})
    ResultStore(tmp_path / "new").add(job, JobOutput(tables={"t": [{"job": job.key, "score": -25.0, "x": 0.1 + 0.2}]}))
    old = tmp_path / "old"
    old.mkdir()
    (old / "t.csv").write_text(f"job,score,x\n{job.key},-25.0,0.30000000000000004\n")
    (old / "jobs.jsonl").write_text((tmp_path / "new" / "jobs.jsonl").read_text())
    ResultStore(old).finalize([job.key])
    assert (
        (old / "t.csv").read_text() == (tmp_path / "new" / "t.csv").read_text() == f"job,score,x\n{job.key},-25,0.3\n"
    )
