"""Experiment grids: jobs (task x method x seed x budget) run by a local process pool or by Ray, their results
appended idempotently to tidy CSV files, so an interrupted grid resumes and a finished job is never rerun."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tqdm import tqdm

from promptpo.files import THREAD_ENV, csv_text, stable_hash, write_atomic
from promptpo.processes import exit_when_orphaned

if TYPE_CHECKING:
    from promptpo.loop import Candidate
    from promptpo.rollout import Episode

Method = Literal["reference", "promptpo", "ppo", "dqn", "sac"]  # in the order a grid runs them


@dataclass(frozen=True)
class Job:
    """One unit of work. `config` is plain data for the method (PromptPOConfig / BaselineConfig fields, or the
    reference evaluation's episode count); `key` names its results and identifies it across runs."""

    task: str
    method: Method
    seed: int
    config: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> str:
        return stable_hash([self.task, self.method, self.seed, _identity(self)], 16)


@dataclass
class JobOutput:
    """What a job produced: rows per tidy table, text files (relative paths), and timings that are *not* results
    (wall-clock numbers differ between runs, so they never go into the tidy tables)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)


def _identity(job: Job) -> dict[str, Any]:
    if job.method == "promptpo":  # the LLM mode, endpoint and worker count do not change results
        return _promptpo_config(job).identity()
    return job.config


# ---- executing one job (in a worker process) ----------------------------------------------------------------------


def execute(job: Job) -> JobOutput:
    """Run `job` in this process with one BLAS/torch thread; returns plain data."""
    os.environ.update(THREAD_ENV)
    started = time.monotonic()
    if job.method == "promptpo":
        output = _run_promptpo(job)
    elif job.method == "reference":
        output = _run_references(job)
    else:
        output = _run_baseline(job)
    output.timing.update(
        job=job.key, task=job.task, method=job.method, seed=job.seed, wall_s=round(time.monotonic() - started, 2)
    )
    return output


def _promptpo_config(job: Job):
    from promptpo.llm import LLMConfig
    from promptpo.loop import PromptPOConfig
    from promptpo.sandbox import Limits

    values = dict(job.config)
    llm = LLMConfig(**values.pop("llm", {}))
    limits = Limits(**values.pop("limits", {}))
    return PromptPOConfig(task=job.task, seed=job.seed, llm=llm, limits=limits, **values)


def _run_promptpo(job: Job) -> JobOutput:
    from promptpo.loop import run_promptpo

    config = _promptpo_config(job)
    result = run_promptpo(config, progress=False)
    tag = {"job": job.key, "method": "promptpo", "model": config.llm.model, "seed": job.seed}
    candidates = [{**tag, "task": job.task, **_candidate_row(candidate)} for candidate in result.candidates]
    output = JobOutput(
        tables={
            "promptpo_rounds": [{**tag, **record.table_row()} for record in result.rounds],
            "promptpo_candidates": candidates,
        }
    )
    env_steps = result.env_steps
    if result.best is not None:  # the reported policy's held-out episodes
        metrics = metric_rows(job, config.llm.model, env_steps, result.heldout.get(result.best.round, []))
        output.tables["episode_metrics"] = metrics
    for which, candidate in (("best", result.best), ("last", result.last)):
        if candidate is not None and candidate.code:
            header = policy_header(job, config.llm.model, which, candidate, result.round(candidate.round).heldout_score)
            relative = f"policies/{config.llm.model}/{job.task}__seed{job.seed}__{which}.py"
            output.files[relative] = header + candidate.code
    output.timing.update(
        env_steps=env_steps,
        llm_latency_s=result.ledger["latency_s"],
        endpoint_calls=result.ledger["endpoint_calls"],
    )
    return output


def policy_header(job: Job, model: str, which: str, candidate: Candidate, heldout: float | None) -> str:
    """The comment line above a stored best/last policy. `heldout` is None when the winner failed on a held-out
    episode (it ran on the selection episodes, so it can still be the run's best or last winner)."""
    measured = f"{heldout:.6g}" if heldout is not None else "none (it failed on the held-out episodes)"
    return (
        f"# PromptPO {which} policy for {job.task} (model {model}, seed {job.seed}): round {candidate.round}, "
        f"selection score {candidate.score:.6g}, held-out score {measured}\n"
    )


def _candidate_row(candidate) -> dict[str, Any]:
    """One policy reply (original sample or repair) and what became of it; `failure_kind` is empty when it ran."""
    failure = candidate.result.failure
    return {
        "round": candidate.round,
        "sample": candidate.sample,
        "attempt": candidate.attempt,
        "failure_kind": failure.kind if failure else "",
        "failure_message": failure.message.splitlines()[0][:200] if failure and failure.message else "",
        "selection_score": candidate.score,
        "env_steps": candidate.result.env_steps,
        "transcript_key": candidate.reply_key,
    }


def _run_baseline(job: Job) -> JobOutput:
    import torch  # only here: the other jobs run without it (the Python 3.12 tier has none)

    from promptpo.baselines import BaselineConfig, train_baseline

    torch.set_num_threads(1)
    curve = train_baseline(BaselineConfig(algo=job.method, task=job.task, seed=job.seed, **job.config))
    rows = [{"job": job.key, **{k: v for k, v in row.items() if k != "train_seconds"}} for row in curve.rows]
    timing = {
        "env_steps": curve.env_steps,
        "train_s": round(curve.train_seconds, 2),
        "eval_s": round(curve.eval_seconds, 2),
        "steps_per_s": round(curve.steps_per_second, 1),
    }
    tables = {
        "learning_curves": rows,
        "episode_metrics": metric_rows(job, job.method, curve.env_steps, curve.final_episodes),
    }
    return JobOutput(tables=tables, timing=timing)


def metric_rows(job: Job, policy: str, env_steps: int, episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    """One row per held-out episode that has secondary metrics (`Task.episode_metrics`): which job and policy
    (a reference's name, the LLM's, the algorithm's), the environment steps the method had used to get it, the
    episode's seed and its metrics. Empty for tasks without metrics: their families get no such table."""
    return [
        {
            "job": job.key,
            "task": job.task,
            "method": job.method,
            "policy": policy,
            "env_steps": env_steps,
            "episode_seed": episode.seed,
            **episode.metrics,
        }
        for episode in episodes
        if episode.metrics
    ]


def _run_references(job: Job) -> JobOutput:
    import numpy as np

    from promptpo.references import random_policy, zero_action_policy
    from promptpo.rollout import episode_score, evaluate, heldout_seeds
    from promptpo.tasks import get_task
    from promptpo.tasks.base import REFERENCE_SUFFIX

    task = get_task(job.task)
    seeds = heldout_seeds(job.config["episodes"])
    zero = zero_action_policy(task)
    policies = [("random", random_policy(task, job.seed))] + ([("zero action", zero)] if zero else [])
    policies += [ref for ref in [task.oracle()] if ref is not None]
    policies += [(name + REFERENCE_SUFFIX, factory) for name, factory in task.references()]
    rows, metrics = [], []
    for name, factory in policies:
        episodes = evaluate(task, factory, seeds, observe=task.reference_observe)
        metrics += metric_rows(job, name, 0, episodes)
        scores = [episode_score(episode, task) for episode in episodes]
        rows.append(
            {
                "job": job.key,
                "task": task.name,
                "reference": name,
                "score": float(np.mean(scores)),
                "score_std": float(np.std(scores)),
                "episodes": len(scores),
            }
        )
    if (value := task.exact_optimum()) is not None:
        rows.append(
            {
                "job": job.key,
                "task": task.name,
                "reference": "optimal (exact V*)",
                "score": value,
                "score_std": 0.0,
                "episodes": 0,
            }
        )
    return JobOutput(tables={"references": rows, "episode_metrics": metrics})


# ---- storing results --------------------------------------------------------------------------------------------


class ResultStore:
    """Tidy CSV tables (one row per observation, a `job` column naming the job) plus `jobs.jsonl`, the full config
    of every job, in one folder. The parent process is the only writer."""

    def __init__(self, folder: Path):
        self.folder = folder

    def done(self) -> set[str]:
        return {record["job"] for record in self._jobs()}

    def add(self, job: Job, output: JobOutput) -> None:
        """Record one finished job: its rows, its files, and last its config line (which marks it done)."""
        for table, rows in output.tables.items():
            self._append(self.folder / f"{table}.csv", rows)
        for relative, text in output.files.items():
            write_atomic(self.folder / relative, text)
        record = {
            "job": job.key,
            "task": job.task,
            "method": job.method,
            "seed": job.seed,
            "config": _identity(job),
            "files": sorted(output.files),
        }
        self._append_record(record)

    def forget(self, keys: set[str]) -> None:
        """Drop the results of `keys`: their rows, files and records."""
        for record in self._jobs():
            if record["job"] in keys:
                for relative in record.get("files", []):
                    (self.folder / relative).unlink(missing_ok=True)
        self._rewrite(lambda key: key not in keys, order=None)

    def merge(self, other: ResultStore) -> None:
        """Add every result of `other` (rows, files, records) to this store."""
        for path in sorted(other.folder.glob("*.csv")):
            with open(path, newline="", encoding="utf-8") as handle:
                self._append(self.folder / path.name, list(csv.DictReader(handle)))
        for record in other._jobs():
            for relative in record.get("files", []):
                write_atomic(self.folder / relative, (other.folder / relative).read_text(encoding="utf-8"))
            self._append_record(record)

    def _append_record(self, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "jobs.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")

    def finalize(self, order: Sequence[str]) -> None:
        """Sort every table by job in grid order (other jobs after, by key), so the files do not depend on which
        job happened to finish first."""
        self._rewrite(lambda key: True, order={key: i for i, key in enumerate(order)})

    def _jobs(self) -> list[dict[str, Any]]:
        path = self.folder / "jobs.jsonl"
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip().endswith("}")]  # a torn last line is ignored

    def _rewrite(self, keep, order: dict[str, int] | None) -> None:
        def rank(key: str) -> tuple[int, str]:
            return (order.get(key, len(order)), key) if order is not None else (0, "")

        for path in sorted(self.folder.glob("*.csv")):
            with open(path, newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                fields, rows = reader.fieldnames or [], [row for row in reader if keep(row["job"])]
            rows.sort(key=lambda row: rank(row["job"]))  # stable: rows of one job keep their order
            rows = [{key: _refixed(value) for key, value in row.items()} for row in rows]
            if rows:
                write_atomic(path, csv_text(fields, rows))
            else:  # no job left in it: the next rows start the table with their own columns
                path.unlink()
        done = {record["job"]: record for record in self._jobs() if keep(record["job"])}
        text = "".join(json.dumps(done[key], sort_keys=True) + "\n" for key in sorted(done, key=rank))
        write_atomic(self.folder / "jobs.jsonl", text)

    @staticmethod
    def _append(path: Path, rows: list[dict[str, Any]]) -> None:
        """Append `rows` to the table at `path`. Rows whose columns differ from the table's (a newer version of a
        method added or dropped one) rewrite the table with the union of both, empty where a row has no value:
        appending them under the old header would shift every value into the wrong column."""
        if not rows:
            return
        fields, fixed = list(rows[0]), [{key: _fixed(value) for key, value in row.items()} for row in rows]
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle), [])  # the header only: appends are per job, tables grow
            if header != fields:
                with open(path, newline="", encoding="utf-8") as handle:
                    old = list(csv.DictReader(handle))
                write_atomic(path, csv_text(header + [f for f in fields if f not in header], old + fixed))
                return
        new = not path.exists()
        with open(path, "a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            if new:
                writer.writeheader()
            writer.writerows(fixed)


FLOAT_DIGITS = 10  # significant digits of every float in the tidy tables


def _fixed(value: Any) -> Any:
    """Floats at FLOAT_DIGITS significant digits: a simulator's last-bit differences between runs (SIMD paths,
    memory alignment) must not make a regenerated table differ from the committed one."""
    return f"{value:.{FLOAT_DIGITS}g}" if isinstance(value, float) else value


# A float as Python writes it: a decimal point, or an exponent with its sign ("1e-05"); never a job key ("12e4ab").
_FLOAT_TEXT = re.compile(r"-?\d+(\.\d*)?(e[-+]\d+)?")


def _refixed(text: str) -> str:
    """A float read back from a table, at FLOAT_DIGITS: every rewrite of a table (finalize) applies the rule to the
    rows written before it too, so a table never mixes two precisions ("-25.0" beside "-25")."""
    if _FLOAT_TEXT.fullmatch(text) and ("." in text or "e" in text):
        return _fixed(float(text))
    return text


# ---- running a grid ---------------------------------------------------------------------------------------------


def run_grid(
    jobs: Sequence[Job],
    results_dir: Path,
    *,
    executor: Literal["local", "ray"] = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    recompute: bool = False,
    prune: bool = False,
    timings_path: Path | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run every job whose results are not in `results_dir` yet, then sort the tables. Returns the timings of the
    jobs run now (also appended to `timings_path`, outside `data/`).

    `recompute` reruns every job of the grid into a staging folder (`<results_dir>/.recompute`, itself resumable)
    and only when all are done replaces their old results: an interrupted recomputation loses nothing. `prune`
    first drops the results of every job that is not in this grid (after a profile changed a budget or a seed list,
    its old jobs' rows would stay beside the new ones); never prune a folder that other grids share.
    """
    store = ResultStore(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    if prune:
        store.forget(store.done() - {job.key for job in jobs})
    if recompute:
        staging = results_dir / ".recompute"
        timings = run_grid(
            jobs,
            staging,
            executor=executor,
            workers=workers,
            ray_address=ray_address,
            timings_path=timings_path,
            progress=progress,
        )
        store.forget({job.key for job in jobs})
        store.merge(ResultStore(staging))
        store.finalize([job.key for job in jobs])
        shutil.rmtree(staging)
        return timings
    done = store.done()
    todo = [job for job in dict.fromkeys(jobs) if job.key not in done]
    workers = workers or os.cpu_count() or 1
    timings = []
    bar = tqdm(total=len(todo), desc=f"{results_dir.name} grid", unit="job", disable=not progress or not todo)
    runs = _run_ray(todo, ray_address, workers) if executor == "ray" else _run_local(todo, workers)
    errors = []
    for job, output in runs:
        if isinstance(output, BaseException):  # one failed job must not cost the others: record, go on, report
            errors.append(f"{job.method} on {job.task} (seed {job.seed}, job {job.key}): {output!r}")
            bar.update()
            continue
        store.add(job, output)
        timings.append(output.timing)
        if timings_path is not None:
            timings_path.parent.mkdir(parents=True, exist_ok=True)
            with open(timings_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(output.timing) + "\n")
        bar.set_postfix_str(f"{job.method} {job.task} seed {job.seed}")
        bar.update()
    bar.close()
    store.finalize([job.key for job in jobs])
    if errors:
        raise GridError(
            f"{len(errors)} of {len(todo)} jobs failed (the others' results are stored; rerun to retry "
            "only the failed ones):\n" + "\n".join(errors)
        )
    return timings


class GridError(RuntimeError):
    """Some jobs of a grid raised; the message lists them. Finished jobs' results are stored."""


Outcome = Iterator[tuple[Job, "JobOutput | BaseException"]]


def _run_local(jobs: Sequence[Job], workers: int) -> Outcome:
    if not jobs:
        return
    # spawn: each worker starts clean (no threads or state inherited from a notebook kernel)
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=get_context("spawn"), initializer=exit_when_orphaned
    ) as pool:
        pending = {pool.submit(execute, job): job for job in jobs}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                job = pending.pop(future)
                error = future.exception()
                yield job, error if error is not None else future.result()


def _run_ray(jobs: Sequence[Job], address: str | None, workers: int) -> Outcome:
    import ray

    if not jobs:
        return
    if not ray.is_initialized():
        ray.init(
            address=address,
            num_cpus=None if address else workers,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": THREAD_ENV},
        )
    remote_execute = ray.remote(num_cpus=1, max_retries=0)(execute)
    pending = {remote_execute.remote(job): job for job in jobs}
    while pending:
        finished, _ = ray.wait(list(pending), num_returns=1)
        for ref in finished:
            job = pending.pop(ref)
            try:
                yield job, ray.get(ref)
            except ray.exceptions.RayError as error:
                yield job, error
