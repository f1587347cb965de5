"""Hostile policies: every one ends as a recorded failure within its limit; well-behaved candidates still score
exactly as in a trusted in-process rollout. Also tests the OS layer on its own, without the Python guard."""

from __future__ import annotations

import os
import random
import textwrap
import time

import numpy as np
import pytest

from promptpo.evaluation import evaluate_codes, score, screen
from promptpo.rollout import evaluate, policy_rng_seed
from promptpo.sandbox import Limits, Sandbox
from promptpo.tasks import get_task

GRID = "noise_world_board_1"  # Discrete(4)
MAZE = "point_maze_large"  # Box(-1, 1, (2,))
SEEDS = (11, 12, 13)
LIMITS = Limits(init_timeout_s=1.0, act_timeout_s=0.5, episode_timeout_s=3.0, feedback_timeout_s=1.0, memory_mb=512)
SECRET = "sk-hostile-test-SECRET-42"

GOOD_GRID = """
import numpy as np
class Policy:
    def __init__(self):
        self.t = 0
    def act(self, obs):
        self.t += 1
        return 1 if self.t % 2 else 3
"""
GOOD_MAZE = """
import numpy as np
class Policy:
    def act(self, obs):
        direction = np.array([obs.goal_x - obs.ball_x, obs.goal_y - obs.ball_y])
        return np.clip(3.0 * direction - 0.5 * np.array([obs.ball_vx, obs.ball_vy]), -1.0, 1.0)
"""


def runnable(reply: str):
    code, failure = screen(reply, "Policy", "act")
    return failure or code


def policy(act_body: str, *, init: str = "pass", header: str = "") -> str:
    """A policy whose act() runs `act_body` (and then returns action 1)."""
    return (
        f"{header}\nclass Policy:\n    def __init__(self):\n{textwrap.indent(init, ' ' * 8)}\n"
        f"    def act(self, obs):\n{textwrap.indent(act_body, ' ' * 8)}\n        return 1\n"
    )


# (name, task, reply code, expected failure kind)
HOSTILE = [
    ("infinite loop in act", GRID, policy("while True:\n    pass"), "timeout"),
    ("infinite loop in __init__", GRID, policy("pass", init="while True:\n    pass"), "timeout"),
    ("infinite loop at import", GRID, "while True:\n    pass\n" + policy("pass"), "timeout"),
    (
        "loop that swallows the timeout",
        GRID,
        policy("while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass"),
        "timeout",
    ),
    ("hang inside C code", GRID, policy("sum(range(10**14))"), "timeout"),
    (
        "allocating 8 GB",
        GRID,
        policy("x = np.ones(8 * 1024**3, dtype=np.uint8)", header="import numpy as np"),
        "memory_limit",
    ),
    ("os.fork", GRID, policy("os.fork()", header="import os"), "forbidden_import"),
    ("fork via __import__", GRID, policy("__import__('os').fork()"), "forbidden_code"),
    ("fork via a module's private os", GRID, policy("random._os.fork()", header="import random"), "forbidden_code"),
    ("subprocess", GRID, policy("subprocess.run(['ls'])", header="import subprocess"), "forbidden_import"),
    ("ctypes", GRID, policy("ctypes.CDLL(None)", header="import ctypes"), "forbidden_import"),
    ("os.system", GRID, policy("system('id')", header="from os import system"), "forbidden_import"),
    (
        "opening a socket",
        GRID,
        policy("socket.create_connection(('127.0.0.1', 9))", header="import socket"),
        "forbidden_import",
    ),
    (
        "reading API keys from os.environ",
        GRID,
        policy("return len(environ['OPENAI_API_KEY'])", header="from os import environ"),
        "forbidden_import",
    ),
    (
        "reading the initial environment from /proc",
        GRID,
        policy("np.loadtxt('/proc/self/environ', dtype=str)", header="import numpy as np"),
        "sandbox_violation",
    ),
    (
        "reading the parent's environment",
        GRID,
        policy("np.loadtxt('/proc/1/environ', dtype=str)", header="import numpy as np"),
        "sandbox_violation",
    ),
    (
        "writing outside the temporary folder",
        GRID,
        policy("np.save('/tmp/promptpo-hostile.npy', np.zeros(3))", header="import numpy as np"),
        "sandbox_violation",
    ),
    (
        "reading the repository's data",
        GRID,
        policy("np.loadtxt('/etc/passwd', dtype=str)", header="import numpy as np"),
        "sandbox_violation",
    ),
    ("escaping through object internals", GRID, policy("().__class__.__base__.__subclasses__()"), "forbidden_code"),
    ("escaping through getattr", GRID, policy("getattr((), '__cla' + 'ss__')"), "forbidden_code"),
    ("escaping through a frame", GRID, policy("g = (x for x in [1]); g.gi_frame.f_globals"), "forbidden_code"),
    ("monkey-patching numpy", GRID, policy("np.clip = None", header="import numpy as np"), "forbidden_code"),
    ("eval", GRID, policy("eval('1 + 1')"), "forbidden_code"),
    (
        "NaN action",
        MAZE,
        "import numpy as np\nclass Policy:\n    def act(self, obs):\n        return np.array([np.nan, 0.0])\n",
        "invalid_action",
    ),
    (
        "inf action",
        MAZE,
        "class Policy:\n    def act(self, obs):\n        return [float('inf'), 0.0]\n",
        "invalid_action",
    ),
    (
        "out-of-range action",
        MAZE,
        "class Policy:\n    def act(self, obs):\n        return [1.5, 0.0]\n",
        "invalid_action",
    ),
    (
        "wrong-shape action",
        MAZE,
        "class Policy:\n    def act(self, obs):\n        return [0.1, 0.2, 0.3]\n",
        "invalid_action",
    ),
    (
        "wrong-type action (float for Discrete)",
        GRID,
        "class Policy:\n    def act(self, obs):\n        return 1.0\n",
        "invalid_action",
    ),
    (
        "wrong-type action (string)",
        GRID,
        "class Policy:\n    def act(self, obs):\n        return 'up'\n",
        "invalid_action",
    ),
    ("flooding stdout", GRID, policy("while True:\n    print('spam' * 1000)"), "output_limit"),
    ("raising SystemExit", GRID, policy("raise SystemExit(3)"), "act_error"),
    ("mutating the observation", GRID, policy("obs.board[0] = 4.0"), "act_error"),
    ("replacing an observation field", GRID, policy("obs.agent_row = 1.0"), "act_error"),
    ("no code block", GRID, "I would move right.", "no_code_block"),
    ("syntax error", GRID, "class Policy:\n    def act(self, obs)\n        return 1\n", "syntax_error"),
    ("missing class", GRID, "def act(obs):\n    return 1\n", "missing_class"),
]


@pytest.fixture(scope="module")
def outcomes(request):
    """Run every hostile candidate and the good ones together, as one round of the loop would."""
    os.environ["OPENAI_API_KEY"] = SECRET  # present in the optimiser's environment during the run
    request.addfinalizer(lambda: os.environ.pop("OPENAI_API_KEY", None))
    results = {}
    with Sandbox([GRID, MAZE], workers=2) as sandbox:
        for task_name, good in ((GRID, GOOD_GRID), (MAZE, GOOD_MAZE)):
            task = get_task(task_name)
            cases = [case for case in HOSTILE if case[1] == task_name]
            replies = [code if name == "no code block" else f"```python\n{code}```" for name, _, code, _ in cases]
            replies.append(f"```python\n{good}```")
            started = time.monotonic()
            evaluated = evaluate_codes(sandbox, task, [runnable(r) for r in replies], SEEDS, limits=LIMITS)
            results[task_name] = (cases, evaluated, time.monotonic() - started)
        layers = dict(sandbox.layers)
    return results, layers


@pytest.mark.parametrize("case", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_candidate_is_a_recorded_failure_within_its_limit(outcomes, case):
    results, _ = outcomes
    cases, evaluated, _ = results[case[1]]
    result = evaluated[cases.index(case)]
    assert result.failure is not None, f"{case[0]} was not stopped"
    assert result.failure.kind == case[3], result.failure.describe()
    # the slowest permitted path: init + one episode + the watchdog's 2 s grace (+ scheduling slack)
    assert result.wall_s < LIMITS.init_timeout_s + LIMITS.episode_timeout_s + 2.0 + 3.0
    assert SECRET not in result.failure.describe() + result.output


@pytest.mark.parametrize("task_name,good", [(GRID, GOOD_GRID), (MAZE, GOOD_MAZE)])
def test_well_behaved_candidate_scores_exactly_as_trusted_rollout(outcomes, task_name, good):
    results, _ = outcomes
    _, evaluated, _ = results[task_name]
    sandboxed = evaluated[-1]
    assert sandboxed.ok, sandboxed.failure
    task = get_task(task_name)
    namespace: dict = {}
    exec(good, namespace)  # trusted: our own test policy
    trusted = evaluate(task, lambda: namespace["Policy"]().act, list(SEEDS))
    assert [e.episode_return for e in sandboxed.episodes] == [e.episode_return for e in trusted]
    assert sandboxed.env_steps == sum(e.steps for e in trusted)
    assert score(sandboxed, task) == pytest.approx(
        np.mean([e.success if task.score == "success" else e.episode_return for e in trusted])
    )


def test_all_os_layers_were_active(outcomes):
    _, layers = outcomes
    assert layers["rlimits"] and layers["seccomp"] and layers["landlock_abi"] >= 6 and layers["capabilities_dropped"]
    assert layers["private_disk"] or os.getuid() != 0  # root can always make the worker's private tmpfs


def test_writing_inside_the_private_folder_is_allowed():
    code = (
        "import numpy as np\nclass Policy:\n    def act(self, obs):\n        np.save('scratch.npy', np.zeros(3))\n"
        "        return int(np.load('scratch.npy').sum()) + 1\n"
    )
    with Sandbox([GRID]) as sandbox:
        [result] = evaluate_codes(sandbox, get_task(GRID), [runnable(f"```python\n{code}```")], SEEDS)
    assert result.ok, result.failure


def test_policy_state_does_not_leak_between_episodes():
    """A fresh policy per episode holds completely: state kept on the class or the module starts anew."""
    code = (
        "seen = []\nclass Policy:\n    count = []\n    def __init__(self):\n        self.count.append(1)\n"
        "        seen.append(1)\n        assert len(self.count) == len(seen) == 1, 'state leaked'\n"
        "    def act(self, obs):\n        Policy.count.append(2)\n        return 1\n"
    )
    with Sandbox([GRID]) as sandbox:
        [result] = evaluate_codes(sandbox, get_task(GRID), [runnable(f"```python\n{code}```")], SEEDS)
    assert result.ok, result.failure
    assert len(result.episodes) == len(SEEDS)


def test_refused_attributes_look_missing_to_hasattr_and_getattr_with_default():
    """Inside the sandbox `hasattr` and `getattr(x, name, default)` behave as in Python when access is refused."""
    code = (
        "class Policy:\n    def act(self, obs):\n"
        "        assert hasattr(obs, 'board') and not hasattr(obs, '__class__')\n"
        "        assert getattr(obs, '__dict__', 'absent') == 'absent'\n        return 1\n"
    )
    with Sandbox([GRID]) as sandbox:
        [result] = evaluate_codes(sandbox, get_task(GRID), [runnable(f"```python\n{code}```")], SEEDS)
    assert result.ok, result.failure


def test_global_rngs_are_reproducible_but_reveal_nothing_about_the_seeds():
    """Code drawing from `random`/`numpy.random` gets the same numbers in the same episode position whatever the
    environment seeds (so held-out seeds cannot be read from the RNG state), and the draws are reproducible."""
    code = (
        "import random\nimport numpy as np\nclass Policy:\n    def act(self, obs):\n"
        "        raise ValueError(f'draws {np.random.random()!r} {random.random()!r}')\n"
    )
    with Sandbox([GRID]) as sandbox:
        messages = [
            evaluate_codes(sandbox, get_task(GRID), [runnable(f"```python\n{code}```")], seeds)[0].failure.message
            for seeds in ([11], [1_000_000], [11])
        ]
    assert messages[0] == messages[1] == messages[2]
    random.seed(policy_rng_seed(0))
    np.random.seed(policy_rng_seed(0))
    assert messages[0] == f"ValueError: draws {np.random.random()!r} {random.random()!r}"


def test_tampering_with_the_environment_cannot_change_the_score():
    """The paper's reward hack, done properly: code that reaches the simulator's class through an allowed module and
    rewrites its `step` to pay 999 and end the episode. The environment that scores lives in the job's host process,
    so the score is the honest one of the actions the policy took (a constant action)."""
    tamper = (
        "import numpy as np\nclass Policy:\n    def act(self, obs):\n"
        "        modules = np.zeros(1).ctypes._ctypes._sys.modules\n"
        "        env_class = modules['promptpo.envs.noise_world'].NoiseWorldEnv\n"
        "        env_class.step = lambda env, action: (np.zeros(104, np.float32), 999.0, True, False, {})\n"
        "        return 0\n"
    )
    honest = "class Policy:\n    def act(self, obs):\n        return 0\n"
    task = get_task(GRID)
    with Sandbox([GRID]) as sandbox:
        tampered, plain = evaluate_codes(
            sandbox, task, [runnable(f"```python\n{c}```") for c in (tamper, honest)], SEEDS
        )
    assert tampered.ok and plain.ok, (tampered.failure, plain.failure)
    trusted = evaluate(task, lambda: lambda observation: 0, list(SEEDS))
    assert [e.episode_return for e in tampered.episodes] == [e.episode_return for e in trusted]
    assert [e.episode_return for e in plain.episodes] == [e.episode_return for e in trusted]
    assert max(e.episode_return for e in trusted) < 999


# Ways generated code reaches the real `sys` through allowed modules, without any import or dunder in its source
# that the guard could refuse. The design must not depend on closing them: what they reach is confined.
ESCAPES = {
    "numpy's ctypes helper": "np.zeros(1).ctypes._ctypes._sys",
    "typing.get_type_hints": (
        "typing.get_type_hints(type('X', (), {'__annotations__': {'a': '__imp' + 'ort__(\"sys\")'}}))['a']"
    ),
}


def escaped(action: str, vector: str) -> str:
    """A policy that reaches `sys` through `vector`, then runs `action` (which may use `sys`) and returns 0."""
    return (
        "import numpy as np\nimport typing\nclass Policy:\n    def act(self, obs):\n"
        f"        sys = {ESCAPES[vector]}\n{textwrap.indent(action, ' ' * 8)}\n        return 0\n"
    )


@pytest.mark.parametrize("vector", list(ESCAPES))
def test_code_that_escapes_the_guard_still_cannot_change_its_score_write_outside_or_read_secrets(vector, tmp_path):
    outside = tmp_path / "escaped.txt"
    tamper = (
        "env_class = sys.modules['promptpo.envs.noise_world'].NoiseWorldEnv\n"
        "env_class.step = lambda env, action: (np.zeros(104, np.float32), 999.0, True, False, {})"
    )
    write = f"open({str(outside)!r}, 'w').write('escaped')"
    steal = "print(open(f\"/proc/{sys.modules['os'].getppid()}/environ\").read())"
    codes = [escaped(action, vector) for action in (tamper, write, steal)]
    task = get_task(GRID)
    os.environ["OPENAI_API_KEY"] = SECRET
    try:
        with Sandbox([GRID]) as sandbox:
            tampered, wrote, stole = evaluate_codes(
                sandbox, task, [runnable(f"```python\n{c}```") for c in codes], SEEDS
            )
    finally:
        os.environ.pop("OPENAI_API_KEY", None)
    assert "module" not in str(tampered.failure), "the escape no longer works: replace this vector"
    honest = evaluate(task, lambda: lambda observation: 0, list(SEEDS))
    assert tampered.ok and [e.episode_return for e in tampered.episodes] == [e.episode_return for e in honest]
    assert wrote.failure is not None and not outside.exists()
    assert stole.failure is not None and SECRET not in stole.failure.describe() + stole.output
