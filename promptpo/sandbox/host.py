"""The trusted side of one evaluation: steps the environment and scores every step, while the generated code runs
in a confined child process that only ever sees observations and returns actions.

Nothing the generated code does can change the recorded score: the environment, its random state, the reward and
the step count live in this process, which runs no generated code; the worker's packets are checked exactly
(`link.py`) and anything unexpected is a failure of that candidate. Episodes are `rollout.EpisodeRun`s, the episode
loop of every method; only the policy is remote.

A round trip to the worker costs more than a NoiseWorld step (~15 us on one CPU), so the episodes of an evaluation
run in lockstep, up to one per environment the job has: one message carries every running episode's observation, one
reply every action. The result is the one-episode-at-a-time loop's: per-episode policies and random state, and the
first failure in seed order ends the evaluation, counting only the episodes (and steps) up to it.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym

from promptpo.rollout import Episode, EpisodeRun
from promptpo.sandbox import channel, link, worker
from promptpo.sandbox.os_limits import die_with_parent
from promptpo.sandbox.records import EvalJob, EvalResult, Failure, Limits, mask_addresses
from promptpo.sandbox.reports import MAX_FEEDBACK_CHARS, MAX_OUTPUT_CHARS, MalformedReport, failure_from, layers_from
from promptpo.sandbox.worker import Alarm, Deadline, classify
from promptpo.tasks import Task, get_task

# Finished episodes are reported to the pool (progress, and what a killed job had done) at most this often, and
# always after the last one: a report per episode cost more than a NoiseWorld episode's bookkeeping.
REPORT_EVERY_S = 0.05


# The zygote preloads up to this many environments of a task whose env builds fast (`zygote.preload`); a job runs
# at most this many episodes at a time. The pool's watchdog allows for it (a round trip serves them all).
LOCKSTEP_WIDTH = 16


class WorkerFailed(Exception):
    """The worker reported a failure of the generated code (or broke the link) that ends the evaluation."""

    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


def lockstep_width(job: EvalJob, envs: int) -> int:
    """How many of `job`'s episodes run at a time, given `envs` environments.

    Episodes in lockstep must not be able to tell: code that draws from the global `random`/`numpy.random` state
    (seeded per episode, and swapping that state per step costs more than the round trip saved), reaches it through
    scipy, or prints (one output, in episode order) runs one episode at a time, as does the built-in random policy.
    A conservative test of the source text: at worst an honest policy runs at the one-at-a-time speed.
    """
    if job.code is None or any(word in job.code for word in ("random", "scipy", "print")):
        return 1
    return max(1, min(envs, len(job.seeds)))


def receive(worker: link.WorkerLink) -> tuple[bytes, bytes]:
    """The worker's next packet; a broken link (the worker died or sent garbage) becomes a `crash` failure."""
    try:
        return worker.receive()
    except link.BrokenLink as error:
        raise WorkerFailed(Failure("crash", str(error))) from None


def evaluate(
    job: EvalJob, task: Task, envs: list[gym.Env], worker: link.WorkerLink, report: Callable[[dict[str, Any]], None]
) -> tuple[EvalResult, dict[str, bool | int]]:
    """Run the job's episodes with the policy at the other end of `worker`; every failure becomes a record.
    Returns the result and the OS layers the worker reported as active."""
    result, layers = EvalResult(), {}
    alarm = Alarm(repeat=False)  # interrupts a wait for a worker that stopped keeping its own limits
    try:
        tag, payload = receive(worker)  # the worker loads the code first: ready, or why it cannot run
        if tag != link.READY:
            raise WorkerFailed(failure_from(link.decode_json(payload)) if tag == link.FAILURE else malformed())
        layers = layers_from(link.decode_json(payload))
        report({"type": "ready"})
        Lockstep(job, task, envs[: lockstep_width(job, len(envs))], worker, report, alarm).run(result)
        if job.feedback_code is not None:
            worker.send("feedback")
            result.feedback, result.feedback_failure = _summaries(worker, len(result.episodes))
    except WorkerFailed as failed:
        result.failure = failed.failure
    except MalformedReport as error:
        result.failure = Failure("crash", f"the worker sent a malformed message: {error}")
    except link.BrokenLink as error:  # "the worker exited ..." or "... malformed message ..."
        result.failure = Failure("crash", str(error))
    result.output = _output(worker, alarm)
    alarm.stop()
    return result, layers


@dataclass
class _Running:
    """An episode in progress: its run, its environment, and its share of the wall time of the rounds so far."""

    run: EpisodeRun
    env: gym.Env
    charged_s: float = 0.0


class Lockstep:
    """The episodes of one job, stepped together: each round sends every running episode's observation (and the
    last outcome of episodes that just ended) in one message and reads one reply per observation."""

    def __init__(
        self,
        job: EvalJob,
        task: Task,
        envs: list[gym.Env],
        worker: link.WorkerLink,
        report: Callable[[dict[str, Any]], None],
        alarm: Alarm,
    ):
        self.job, self.task, self.worker, self.report, self.alarm = job, task, worker, report, alarm
        self.space, self.limit_s = task.action_space, job.limits.episode_timeout_s
        self.free = list(envs)
        self.pending = list(enumerate(job.seeds))  # (index, seed) not started yet, in order
        self.running: dict[int, _Running] = {}
        self.finished: dict[int, Episode] = {}
        self.failed: tuple[int, Failure] | None = None  # the failure of the lowest episode index so far
        self.failed_steps = 0  # env steps the failed episode took before it failed
        self.ended: list[tuple[Any, ...]] = []  # "end" messages for the next round
        self.reported, self.reported_steps, self.last_report = 0, 0, time.monotonic()

    def run(self, result: EvalResult) -> None:
        """Roll out every seed; fill `result` (episodes, env steps) as the one-at-a-time loop would, then raise
        `WorkerFailed` with the first failure in seed order, if any."""
        while self._start() or self.running:
            self._round()
        if self.ended:
            self.worker.send("round", self.ended)
        last = self.failed[0] if self.failed else len(self.job.seeds)
        result.episodes = [self.finished[index] for index in range(last)]
        result.env_steps = sum(episode.steps for episode in result.episodes) + self.failed_steps
        self._report_progress(force=True)
        if self.failed:
            raise WorkerFailed(self.failed[1])

    def _start(self) -> bool:
        """Start episodes while an environment is free, never past a failed one (the one-at-a-time loop stops
        there). True if any episode is running."""
        while self.free and self.pending and (self.failed is None or self.pending[0][0] < self.failed[0]):
            index, seed = self.pending.pop(0)
            env = self.free.pop()
            try:
                run = EpisodeRun(self.task, env, seed, raw_observations=True)
            except BaseException as error:  # the simulator failed to reset
                self.free.append(env)
                self._fail(index, classify(error, "env"), 0)
                continue
            self.running[index] = _Running(run, env)
        return bool(self.running)

    def _round(self) -> None:
        """One round trip: every running episode's observation out, its action (or failure) back, one env step."""
        seed_for_random_policy = self.job.code is None
        messages = self.ended
        for index, episode in self.running.items():
            run = episode.run
            info = self.task.policy_info(run.info)  # only what `observe` reads
            if run.episode.steps == 0:
                seed = run.episode.seed if seed_for_random_policy else None
                messages.append(("start", index, run.obs, info, seed))
            else:
                messages.append(("step", index, run.outcome, run.obs, info))
        self.ended = []
        began = time.monotonic()
        self.worker.send("round", messages)
        replies = self._receive(messages)
        for (index, episode), (tag, payload) in zip(list(self.running.items()), replies, strict=True):
            if index not in self.running:  # dropped: an earlier episode failed in this round
                continue
            if tag == link.FAILURE:
                self._fail(index, failure_from(link.decode_json(payload)), episode.run.episode.steps)
                continue
            if tag != link.ACTION:
                raise WorkerFailed(malformed())
            try:
                episode.run.step(self.task.check_action(link.decode_action(payload, self.space), self.space))
            except link.BrokenLink:
                raise WorkerFailed(malformed()) from None
            except BaseException as error:  # the action is invalid, or the simulator raised on it
                self._fail(index, classify(error, "env"), episode.run.episode.steps)
        share = (time.monotonic() - began) / max(1, len(replies))
        for index, episode in list(self.running.items()):
            episode.charged_s += share
            if episode.run.done:
                self._finish(index)
            elif episode.charged_s > self.limit_s:
                self._fail(index, self._timeout(), episode.run.episode.steps)

    def _receive(self, messages: list[tuple[Any, ...]]) -> list[tuple[bytes, bytes]]:
        """One reply per "start"/"step" message. A worker that keeps its own limits answers within the sum of
        their act() (and, for a start, init) limits; one that does not (it swallowed its own timers) fails the
        evaluation with a timeout of the first running episode."""
        limits = self.job.limits
        starts = sum(message[0] == "start" for message in messages)
        wait_s = len(self.running) * limits.act_timeout_s + starts * limits.init_timeout_s + 0.1
        self.alarm.arm(wait_s, "the worker did not answer within its act() and init limits")
        try:
            return [receive(self.worker) for _ in range(len(self.running))]
        except Deadline as error:
            first = min(self.running)
            self._fail(first, classify(error, "env"), self.running[first].run.episode.steps)
            raise WorkerFailed(self.failed[1] if self.failed else classify(error, "env")) from None
        finally:
            self.alarm.disarm()

    def _timeout(self) -> Failure:
        return classify(Deadline(f"the episode exceeded {self.limit_s} s"), "env")

    def _finish(self, index: int) -> None:
        episode = self.running.pop(index)
        self.free.append(episode.env)
        self.finished[index] = episode.run.episode
        self.ended.append(("end", index, episode.run.outcome))
        self._report_progress()

    def _fail(self, index: int, failure: Failure, steps: int) -> None:
        """Record a failure of episode `index` after `steps` env steps; it ends the evaluation unless an earlier
        episode fails too. Episodes after the first failed one are dropped: the one-at-a-time loop never ran them."""
        if self.failed is None or index < self.failed[0]:
            self.failed, self.failed_steps = (index, failure), steps
        for later in [i for i in self.running if i >= self.failed[0]]:
            self.free.append(self.running.pop(later).env)

    def _report_progress(self, force: bool = False) -> None:
        """Report the finished episodes that follow the last reported one, in seed order (the pool's progress
        and what a killed job had done), at most every REPORT_EVERY_S."""
        if not force and time.monotonic() - self.last_report < REPORT_EVERY_S:
            return
        last = self.failed[0] if self.failed else len(self.job.seeds)
        new = []
        while self.reported < last and self.reported in self.finished:
            new.append(self.finished[self.reported])
            self.reported, self.reported_steps = self.reported + 1, self.reported_steps + new[-1].steps
        if new:
            self.report({"type": "episodes", "episodes": [vars(e) for e in new], "env_steps": self.reported_steps})
            self.last_report = time.monotonic()


def _summaries(worker: link.WorkerLink, episodes: int) -> tuple[list[str], Failure | None]:
    """The Feedback summariser's lines (one per episode), or its failure."""
    lines: list[str] = []
    while len(lines) < episodes:
        tag, payload = receive(worker)
        value = link.decode_json(payload)
        if tag == link.FAILURE:
            return [], failure_from(value)
        if tag != link.SUMMARY or not isinstance(value, str):
            raise WorkerFailed(malformed())
        lines.append(mask_addresses(value[:MAX_FEEDBACK_CHARS]))
    return lines, None


def _output(worker: link.WorkerLink, alarm: Alarm) -> str:
    """Ask the worker to stop and return what the code printed ("" if the worker is gone, stuck or sends
    garbage)."""
    alarm.arm(OUTPUT_WAIT_S, "the worker did not send its output")
    try:
        worker.send("close")
        tag, payload = worker.receive()
        value = link.decode_json(payload) if tag == link.OUTPUT else ""
        return value[:MAX_OUTPUT_CHARS] if isinstance(value, str) else ""
    except (link.BrokenLink, OSError, Deadline):
        return ""
    finally:
        alarm.disarm()


OUTPUT_WAIT_S = 1.0  # a worker stuck in C code (a timeout) never answers "close": it is killed after this


def malformed() -> Failure:
    return Failure("crash", "the worker sent a malformed message")


def run_job(message: dict[str, Any], pool: socket.socket, envs: dict[str, list[gym.Env]]) -> NoReturn:
    """Entry point of a freshly forked job process: start the confined worker, evaluate, report to the pool, exit.

    `message` holds the job (as a dict) and `workdir`, the worker's private folder (the parent removes it).
    """
    started = time.monotonic()
    spec = message["job"]
    job = EvalJob(**{**spec, "seeds": tuple(spec["seeds"]), "limits": Limits(**spec["limits"])})
    os.sched_setaffinity(0, {message["cpu"]})  # the worker inherits it: the two take turns on one CPU
    ours, theirs = link.pair()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            pool.close()
            die_with_parent()
            worker.run(job, theirs, Path(message["workdir"]))
        finally:
            os._exit(70)
    theirs.close()
    try:
        task = get_task(job.task)
        job_envs = envs.get(job.task) or [task.make_env()]
        result, layers = evaluate(job, task, job_envs, link.WorkerLink(ours), lambda update: channel.send(pool, update))
    except BaseException as error:  # report instead of dying silently
        failure = Failure("crash", f"the evaluation failed: {type(error).__name__}: {error}")
        result, layers = EvalResult(failure=failure), {}
    os.kill(pid, signal.SIGKILL)  # it has sent its output (or never will)
    os.waitpid(pid, 0)
    result.wall_s = time.monotonic() - started
    result.cpu_s = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime for who in _BOTH)
    try:
        channel.send(pool, {"type": "result", "result": result.to_dict(), "layers": layers})
    finally:
        os._exit(0)


_BOTH = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)  # this job process and its (reaped) worker
