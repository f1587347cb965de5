"""Run evaluation jobs in parallel sandboxed processes, with watchdog deadlines; the optimiser's side of the sandbox."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import promptpo
from promptpo.files import THREAD_ENV
from promptpo.rollout import Episode
from promptpo.sandbox.channel import Reader
from promptpo.sandbox.host import LOCKSTEP_WIDTH
from promptpo.sandbox.records import EvalJob, EvalResult, Failure
from promptpo.sandbox.reports import MalformedReport, parse_episodes, parse_result

GRACE_S = 2.0  # slack on top of the in-worker limits before the watchdog kills a job


def job_time_limit(job: EvalJob) -> float:
    """The most wall-clock seconds a job may take, whatever it reports: loading the code, every episode
    at its limit, then loading and running the Feedback summariser on every episode."""
    limits = job.limits
    episodes = len(job.seeds) * (limits.episode_timeout_s + limits.init_timeout_s)
    feedback = limits.init_timeout_s + len(job.seeds) * limits.feedback_timeout_s if job.feedback_code else 0.0
    return limits.init_timeout_s + episodes + feedback


class SandboxUnavailable(RuntimeError):
    """The zygote process could not be started or died."""


@dataclass
class _Running:
    index: int
    job: EvalJob
    slot: int  # which of the `workers` slots it runs in (its CPU: `Sandbox._cpus[slot]`)
    sock: socket.socket
    pidfd: int | None
    workdir: Path
    deadline: float
    started: float
    hard_deadline: float  # no progress message can move `deadline` past this
    reader: Reader = field(default_factory=Reader)
    ready: bool = False
    episodes: list[Episode] = field(default_factory=list)
    env_steps: int = 0
    result: EvalResult | None = None


def clean_environment(home: str) -> dict[str, str]:
    """The zygote's entire environment: no API keys, tokens or proxies; one BLAS thread; fixed hash seed."""
    return {
        "PATH": os.defpath,
        "HOME": home,
        "TMPDIR": tempfile.gettempdir(),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",  # set iteration order in generated code is reproducible
        "PYTHONPATH": str(Path(promptpo.__file__).resolve().parents[1]),  # promptpo importable without install
        **THREAD_ENV,
        "MUJOCO_GL": "disable",
    }


class Sandbox:
    """Evaluates `EvalJob`s for the given tasks, `workers` at a time, each in two fresh processes: a trusted host
    that steps the environment and scores (`host.py`), and the confined worker it forks for the generated code.

    Use as a context manager. The zygote preloads the tasks' simulators once; every job gets a forked copy of
    it, a private temporary folder, and the limits of `job.limits`. A job that stops reporting progress is
    killed: before its code is loaded after `init_timeout_s`, then per episode after `init_timeout_s +
    episode_timeout_s`, plus a 2 s grace, and in any case at `job_time_limit`. Results come back in job order.

    Jobs report finished episodes in batches (see `host.REPORT_EVERY_S`): a killed job's result holds the
    episodes and steps of its last report, so up to 50 ms of finished episodes can go uncounted with it.
    """

    def __init__(self, tasks: Sequence[str], workers: int | None = None):
        self.tasks = tuple(dict.fromkeys(tasks))
        self.workers = max(1, workers or os.cpu_count() or 1)
        # One CPU per running job (cycled when there are more workers than CPUs): a job's host and worker take
        # turns, never run at once, and a wake-up on the same CPU costs a third of one across CPUs.
        allowed = sorted(os.sched_getaffinity(0))
        self._cpus = [allowed[slot % len(allowed)] for slot in range(self.workers)]
        self.layers: dict[str, object] = {}  # which OS layers the workers reported as active (via their hosts)
        self._zygote: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._home: str | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self._zygote is not None:
            return
        self._home = tempfile.mkdtemp(prefix="promptpo-zygote-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log = open(Path(self._home) / "zygote.log", "wb")
        command = [sys.executable, "-s", "-P", "-m", "promptpo.sandbox.zygote", str(theirs.fileno()), *self.tasks]
        self._zygote = subprocess.Popen(
            command,
            pass_fds=[theirs.fileno()],
            env=clean_environment(self._home),
            cwd=self._home,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        theirs.close()
        self._control = ours
        ours.settimeout(600)  # importing Meta-World and building its envs can take a while on a busy machine
        try:
            ready = ours.recv(4096)
        except OSError:
            ready = b""
        if not ready:
            self.close()
            raise SandboxUnavailable(f"sandbox zygote failed to start:\n{self._log_tail()}")
        ours.settimeout(None)

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._zygote is not None:
            try:
                self._zygote.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
                self._zygote.wait()
            self._zygote = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def _log_tail(self) -> str:
        path = Path(self._home or "/nonexistent") / "zygote.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"

    # ---- running jobs ---------------------------------------------------------------------------------------

    def run(
        self, jobs: Sequence[EvalJob], on_done: Callable[[int, EvalResult], None] | None = None
    ) -> list[EvalResult]:
        """Evaluate every job (at most `workers` at once); `on_done(index, result)` is called as each finishes."""
        self.start()
        results: list[EvalResult | None] = [None] * len(jobs)
        pending = deque(enumerate(jobs))
        running: dict[int, _Running] = {}
        selector = selectors.DefaultSelector()
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    index, job = pending.popleft()
                    busy = {run.slot for run in running.values()}
                    run = self._launch(index, job, next(slot for slot in range(self.workers) if slot not in busy))
                    running[index] = run
                    selector.register(run.sock, selectors.EVENT_READ, run)
                timeout = max(0.0, min(run.deadline for run in running.values()) - time.monotonic())
                for key, _ in selector.select(timeout):
                    run = key.data
                    if not self._receive(run):
                        self._finish(run, selector, running, results, on_done)
                now = time.monotonic()
                for run in [run for run in running.values() if now > run.deadline]:
                    self._kill(run)
                    if run.result is None:
                        run.result = self._partial(run, Failure("timeout", self._timeout_message(run)))
                    self._finish(run, selector, running, results, on_done)
        finally:
            for run in list(running.values()):
                self._kill(run)
                self._finish(run, selector, running, results, None)
            selector.close()
        return [result for result in results if result is not None]

    def _launch(self, index: int, job: EvalJob, slot: int) -> _Running:
        assert self._control is not None
        workdir = Path(tempfile.mkdtemp(prefix="promptpo-job-"))
        message = {"job": asdict(job), "workdir": str(workdir), "cpu": self._cpus[slot]}
        try:
            self._control.send(json.dumps(message).encode())
            reply, fds, _, _ = socket.recv_fds(self._control, 4096, 1)
        except OSError as error:
            raise SandboxUnavailable(f"sandbox zygote died: {error}\n{self._log_tail()}") from error
        if not reply or not fds:
            raise SandboxUnavailable(f"sandbox zygote died:\n{self._log_tail()}")
        pid = json.loads(reply)["pid"]
        try:
            pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already finished; its socket will report EOF
            pidfd = None
        sock = socket.socket(fileno=fds[0])
        sock.setblocking(False)
        now = time.monotonic()
        deadline = now + job.limits.init_timeout_s + GRACE_S + 3
        return _Running(index, job, slot, sock, pidfd, workdir, deadline, now, now + job_time_limit(job) + GRACE_S + 3)

    def _receive(self, run: _Running) -> bool:
        """Read what the job process sent; False at end of stream. A message that breaks its schema ends the job as
        a `crash` failure with the job killed: nothing a job sends can raise here."""
        try:
            data = run.sock.recv(1 << 16)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            return False
        try:
            for message in run.reader.feed(data):
                self._apply(run, message)
        except ValueError as error:  # MalformedReport included
            self._kill(run)
            run.result = self._partial(run, Failure("crash", f"the worker sent a malformed message: {error}"))
            return False
        return True

    def _apply(self, run: _Running, message: dict[str, object]) -> None:
        """One schema-checked message: progress moves the watchdog deadline (never past the job's absolute
        deadline), the result is stored."""
        kind, limits = message.get("type"), run.job.limits
        if kind == "ready" and set(message) == {"type"} and not run.ready:
            run.ready = True
        elif kind == "episodes" and run.ready:
            episodes, run.env_steps = parse_episodes(message, run.job, len(run.episodes))
            if not episodes:
                raise MalformedReport("a progress message without a finished episode")
            run.episodes += episodes
        elif kind == "result" and run.result is None:
            run.result, layers = parse_result(message, run.job)
            self.layers = layers or self.layers
            return
        else:
            raise MalformedReport(f"unexpected message {str(kind)[:40]!r}")
        # Episodes run up to LOCKSTEP_WIDTH at a time, so the next one may finish only after that many episodes'
        # time; the absolute `hard_deadline` bounds the whole job regardless.
        at_once = min(LOCKSTEP_WIDTH, max(1, len(run.job.seeds) - len(run.episodes)))
        budget = limits.init_timeout_s + at_once * limits.episode_timeout_s
        if len(run.episodes) == len(run.job.seeds):  # only the Feedback summaries are left
            budget = limits.init_timeout_s + limits.feedback_timeout_s * max(1, len(run.episodes))
        run.deadline = min(time.monotonic() + budget + GRACE_S, run.hard_deadline)

    @staticmethod
    def _partial(run: _Running, failure: Failure) -> EvalResult:
        return EvalResult(episodes=list(run.episodes), env_steps=run.env_steps, failure=failure)

    @staticmethod
    def _timeout_message(run: _Running) -> str:
        limits = run.job.limits
        if len(run.episodes) == len(run.job.seeds):
            return f"the Feedback summariser did not finish (limit {limits.feedback_timeout_s} s per episode)"
        return (
            f"no progress within the wall-clock limits (act {limits.act_timeout_s} s, episode "
            f"{limits.episode_timeout_s} s, init {limits.init_timeout_s} s): the worker was killed"
        )

    @staticmethod
    def _kill(run: _Running) -> None:
        if run.pidfd is not None:
            try:
                signal.pidfd_send_signal(run.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _finish(
        self,
        run: _Running,
        selector: selectors.BaseSelector,
        running: dict[int, _Running],
        results: list[EvalResult | None],
        on_done: Callable[[int, EvalResult], None] | None,
    ) -> None:
        selector.unregister(run.sock)
        run.sock.close()
        if run.pidfd is not None:
            os.close(run.pidfd)
        shutil.rmtree(run.workdir, ignore_errors=True)
        result = run.result or self._partial(run, Failure("crash", "the worker exited without reporting a result"))
        if not result.wall_s:
            result.wall_s = time.monotonic() - run.started
        results[run.index] = result
        del running[run.index]
        if on_done is not None:
            on_done(run.index, result)
