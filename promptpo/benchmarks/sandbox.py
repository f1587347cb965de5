"""Sandbox cost: rollout throughput in confined workers vs a bare in-process loop, and the parallel speed-up.

    python -m promptpo.benchmarks.sandbox            # about 15 minutes on 2 cores; run on an otherwise idle machine

Throughput: the same policy and seeds, (a) as the paper's code ran it (policy class exec'd in this process, one env,
a plain loop: `promptpo.rollout.evaluate`) and (b) as PromptPO runs it (`Sandbox.run`: a job process forked from
the zygote steps the environment and scores; its confined worker — rlimits, Landlock, seccomp, guarded exec,
per-call timers — receives the observations of up to 16 episodes in lockstep and sends back their actions), both
timed end to end for one evaluation of 5 and of `--episodes` episodes, in wall-clock time and in CPU time (bare:
this process; sandboxed: this process plus the job's two processes). Speed-up: N candidates of 5 episodes each
evaluated with 1 worker and with 2.
"""

from __future__ import annotations

import argparse
import os
import time

from promptpo.evaluation import evaluate_codes
from promptpo.rollout import evaluate, heldout_seeds
from promptpo.sandbox import Sandbox
from promptpo.tasks import get_task

POLICIES = {
    # A reasonable policy per task; what it scores does not matter here, only what it costs.
    "noise_world_board_1": "import numpy as np\n"
    "class Policy:\n"
    "    def __init__(self):\n        self.t = 0\n"
    "    def act(self, obs):\n"
    "        self.t += 1\n"
    "        board = np.asarray(obs.board)\n"
    "        return 1 if (self.t % 2 and board.max() >= 0) else 3\n",
    "mujoco_half_cheetah": "import numpy as np\n"
    "class Policy:\n"
    "    def __init__(self):\n        self.t = 0\n"
    "    def act(self, obs):\n"
    "        self.t += 1\n"
    "        phase = 0.3 * self.t + np.arange(6)\n"
    "        return np.clip(0.8 * np.sin(phase) - 0.1 * obs.vector[11:17], -1.0, 1.0)\n",
    "point_maze_large": "import numpy as np\n"
    "class Policy:\n"
    "    def __init__(self, gain=3.0):\n        self.gain = gain\n"
    "    def act(self, obs):\n"
    "        error = np.array([obs.goal_x - obs.ball_x, obs.goal_y - obs.ball_y])\n"
    "        return np.clip(self.gain * error - 0.5 * np.array([obs.ball_vx, obs.ball_vy]), -1.0, 1.0)\n",
}


def bare(task_name: str, code: str, seeds: list[int]) -> tuple[float, float, int]:
    """(wall s, CPU s, env steps) of the plain in-process loop."""
    namespace: dict = {}
    exec(code, namespace)  # trusted: our own benchmark policy, as the paper's code would run any policy
    started, cpu = time.perf_counter(), time.process_time()
    episodes = evaluate(get_task(task_name), lambda: namespace["Policy"]().act, seeds)
    return time.perf_counter() - started, time.process_time() - cpu, sum(e.steps for e in episodes)


def sandboxed(sandbox: Sandbox, task_name: str, codes: list[str], seeds: list[int]) -> tuple[float, float, int]:
    """(wall s, CPU s of this process and the jobs' processes, env steps) of a sandboxed evaluation."""
    started, cpu = time.perf_counter(), time.process_time()
    results = evaluate_codes(sandbox, get_task(task_name), codes, seeds)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu + sum(r.cpu_s for r in results)
    failed = [r.failure for r in results if r.failure is not None]
    if failed:
        raise RuntimeError(f"benchmark policy failed: {failed[0]}")
    return elapsed, cpu, sum(r.env_steps for r in results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=1000, help="episodes per throughput measurement")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many measurements")
    parser.add_argument("--tasks", nargs="+", default=["noise_world_board_1", "mujoco_half_cheetah"])
    parser.add_argument("--candidates", type=int, default=10, help="N for the parallel speed-up")
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}; best of {args.repeats} runs each\n")
    print(
        f"{'task':<22}{'episodes':>9}{'steps':>10}{'bare steps/s':>14}{'sandbox steps/s':>17}{'wall ratio':>11}", end=""
    )
    print(f"{'CPU ratio':>11}")
    for task_name in args.tasks:
        code = POLICIES[task_name]
        with Sandbox([task_name], workers=1) as sandbox:
            for episodes in (5, args.episodes):
                seeds = heldout_seeds(episodes)
                bare_s, bare_cpu, steps = min(bare(task_name, code, seeds) for _ in range(args.repeats))
                box_s, box_cpu, box_steps = min(
                    sandboxed(sandbox, task_name, [code], seeds) for _ in range(args.repeats)
                )
                assert box_steps == steps, "sandboxed and bare rollouts took different steps"
                print(
                    f"{task_name:<22}{episodes:>9}{steps:>10}{steps / bare_s:>14,.0f}{steps / box_s:>17,.0f}"
                    f"{bare_s / box_s:>11.2f}{bare_cpu / box_cpu:>11.2f}",
                    flush=True,
                )

    task_name = "point_maze_large"
    codes = [POLICIES[task_name].replace("gain=3.0", f"gain={2.0 + 0.25 * i}") for i in range(args.candidates)]
    seeds = heldout_seeds(5)
    timings = {}
    for workers in (1, 2):
        with Sandbox([task_name], workers=workers) as sandbox:
            timings[workers] = min(sandboxed(sandbox, task_name, codes, seeds)[0] for _ in range(max(3, args.repeats)))
    print(
        f"\n{args.candidates} candidates x 5 episodes on {task_name}: 1 worker {timings[1]:.2f} s, "
        f"2 workers {timings[2]:.2f} s, speed-up {timings[1] / timings[2]:.2f}x"
    )


if __name__ == "__main__":
    main()
