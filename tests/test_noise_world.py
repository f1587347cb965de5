"""NoiseWorld: layouts equal the spec's tables, dynamics follow the spec, the DP optimum matches, prompts hide facts."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest

from promptpo.envs.noise_world import NoiseWorldEnv, board_layout, noise_world_reward
from promptpo.references.noise_world_optimal import optimal_policy, optimal_value
from promptpo.rollout import evaluate
from promptpo.tasks import get_task, task_names
from promptpo.tasks.hard_exploration.noise_world import STOCHASTIC_NOTE, TASKS

# ---- expected data: the seven published boards (codes and Voronoi regions), transcribed from the paper's layouts ----
# Each row: the n board codes, then the n region ids of that row.
SPEC_GRIDS = {
    0: """
        2 2 5 2 2   1 1 1 3 3
        2 2 2 2 2   1 1 1 3 3
        2 2 2 2 0   1 1 1 2 0
        2 2 2 2 0   2 2 2 2 0
        3 0 0 0 4   0 0 0 0 0
    """,
    1: """
        2 2 2 2 0 0 0 0 0 0   1 1 1 1 0 0 0 0 0 3
        2 2 2 0 0 0 0 0 0 0   1 1 1 0 0 0 0 0 0 3
        2 2 2 0 0 0 0 0 0 0   1 1 1 0 0 0 0 0 3 3
        2 2 2 0 0 0 0 0 0 0   1 1 1 0 0 2 2 3 3 3
        2 2 2 0 0 0 0 0 0 0   1 1 1 2 2 2 2 3 3 3
        0 0 0 0 0 0 0 0 0 0   2 2 2 2 2 2 2 2 3 3
        0 0 0 0 0 0 0 0 0 0   2 2 2 2 2 2 2 2 3 3
        0 0 0 0 0 3 0 0 0 0   2 2 2 2 2 2 2 4 4 3
        0 0 0 0 0 5 0 0 0 0   2 2 2 2 2 2 4 4 4 4
        0 0 0 0 0 0 0 0 0 4   4 4 4 4 4 4 4 4 4 4
    """,
    2: """
        1 1 0 0 0 0 0 0 0 0   3 3 0 0 0 0 0 0 0 0
        1 1 0 0 0 0 0 0 5 0   3 3 0 0 0 0 0 0 0 0
        1 1 0 0 0 0 0 0 0 0   3 3 0 0 0 0 0 0 0 0
        1 1 1 0 0 0 0 0 0 0   3 3 3 4 0 0 0 0 0 0
        1 1 1 0 0 0 0 0 0 0   3 3 3 4 4 0 1 1 1 1
        1 1 1 0 0 0 0 0 0 0   2 3 3 4 4 1 1 1 1 1
        1 1 1 0 0 0 0 0 0 0   2 2 2 4 1 1 1 1 1 1
        1 1 1 1 0 0 0 0 0 0   2 2 2 2 1 1 1 1 1 1
        1 1 1 1 0 0 0 0 3 0   2 2 2 2 1 1 1 1 1 1
        1 1 1 1 0 0 0 0 0 4   2 2 2 2 1 1 1 1 1 1
    """,
    3: """
        0 0 0 0 0 0 0 0 2 2   3 3 3 3 3 3 3 3 4 4
        0 0 0 0 0 0 0 0 5 2   3 3 3 3 3 3 3 3 4 4
        0 0 0 0 0 0 0 0 2 2   3 3 3 3 3 3 3 3 4 4
        0 0 0 0 0 0 0 0 2 2   3 3 3 3 3 3 3 3 4 4
        0 0 0 0 0 0 0 2 2 2   3 3 3 3 3 3 2 4 4 4
        1 1 0 0 0 0 0 2 2 2   0 0 3 3 3 2 2 4 4 4
        1 1 1 1 1 0 0 2 2 2   0 0 0 0 0 2 2 4 4 4
        1 1 1 1 3 0 0 1 2 2   0 0 0 0 0 2 2 1 4 4
        1 1 1 1 0 0 0 1 1 2   0 0 0 0 2 2 2 1 1 4
        1 1 1 1 1 1 1 1 1 4   0 0 0 0 1 1 1 1 1 1
    """,
    4: """
        0 0 0 0 0 0 0 0 0 0   3 3 3 3 3 3 3 3 3 3
        0 0 0 0 0 0 0 0 0 0   3 3 3 3 3 3 3 3 3 3
        0 0 1 1 1 0 0 0 0 0   0 0 2 2 2 3 3 3 3 3
        0 0 1 1 1 0 0 0 5 7   0 0 2 2 2 1 1 3 3 3
        0 0 1 3 1 0 0 0 0 0   0 0 2 2 2 1 1 1 1 1
        0 0 1 1 1 0 0 0 0 0   0 0 2 2 2 1 1 1 1 1
        0 0 1 1 1 0 0 0 0 0   0 0 2 2 2 1 1 1 1 1
        0 0 1 1 1 1 0 0 0 0   0 0 4 4 4 4 1 1 1 1
        0 0 0 1 1 1 0 0 0 0   0 0 0 4 4 4 1 1 1 1
        0 0 0 6 1 1 0 0 0 4   0 0 0 0 4 4 1 1 1 1
    """,
    5: """
        1 1 1 1 1 1 1 2 2 2   0 0 0 0 0 0 0 4 4 4
        1 1 1 7 1 1 1 2 2 2   0 0 0 0 0 0 0 4 4 4
        1 1 1 1 1 1 1 2 2 2   0 0 0 0 0 0 0 4 4 4
        1 1 1 1 1 6 1 2 2 2   0 0 0 0 0 0 0 4 4 4
        1 1 1 1 1 1 2 2 2 2   0 0 0 0 0 0 4 4 4 4
        3 1 1 2 2 2 2 2 2 2   0 0 0 1 1 1 4 4 4 4
        2 2 2 2 2 2 2 2 2 2   3 3 3 1 1 1 4 4 4 4
        2 2 2 2 2 2 2 2 2 2   3 3 3 1 1 1 4 4 4 4
        2 2 2 2 5 2 1 1 1 2   3 3 1 1 1 1 2 2 2 4
        2 2 2 2 2 2 1 1 1 4   3 1 1 1 1 1 2 2 2 2
    """,
    6: """
        0 0 0 0 0 0 0 0 0 0   0 0 0 0 0 0 0 0 0 0
        0 7 0 0 0 0 3 2 2 2   0 0 0 0 0 0 0 3 3 3
        0 0 0 0 0 0 2 2 2 2   0 0 0 0 0 0 3 3 3 3
        0 0 0 0 0 5 2 2 2 2   0 0 0 0 0 3 3 3 3 3
        1 1 1 1 1 2 2 2 2 2   2 2 2 2 2 3 3 3 3 3
        1 1 1 1 1 0 0 2 2 2   2 2 2 2 2 1 1 4 4 4
        1 1 1 1 1 0 0 0 0 0   2 2 2 2 2 1 1 1 1 1
        1 1 1 1 1 0 0 0 0 0   2 2 2 2 2 1 1 1 1 1
        1 1 1 1 1 0 0 6 0 0   2 2 2 2 2 1 1 1 1 1
        1 1 1 1 1 0 0 0 0 4   2 2 2 2 2 1 1 1 1 1
    """,
}
# Per region: (internal type 1 det / 2 stay / 3 reset, P(move)).
SPEC_REGIONS = {
    0: [(1, 1.0), (3, 0.460), (3, 0.730), (3, 0.626)],
    1: [(1, 1.0), (3, 0.689), (1, 1.0), (1, 1.0), (1, 1.0)],
    2: [(1, 1.0), (1, 1.0), (2, 0.595), (2, 0.277), (1, 1.0)],
    3: [(2, 0.514), (2, 0.806), (1, 1.0), (1, 1.0), (3, 0.451)],
    4: [(1, 1.0), (1, 1.0), (2, 0.540), (1, 1.0), (2, 0.883)],
    5: [(2, 0.512), (3, 0.650), (2, 0.438), (3, 0.578), (3, 0.426)],
    6: [(1, 1.0), (1, 1.0), (2, 0.362), (3, 0.568), (3, 0.532)],
}
# (n, wall, bad cell, milestones (code 6, code 7), V*(start)).
SPEC_TABLE = {
    0: (5, (4, 0), (0, 2), (), 34.9),
    1: (10, (7, 5), (8, 5), (), 974.9),
    2: (10, (8, 8), (1, 8), (), 976.8),
    3: (10, (7, 4), (1, 8), (), 981.3),
    4: (10, (4, 3), (3, 8), ((9, 3), (3, 9)), 969.7),
    5: (10, (5, 0), (8, 4), ((3, 5), (1, 3)), 399.7),
    6: (10, (1, 6), (3, 5), ((8, 7), (1, 1)), 954.8),
}
BOARD_IDS = sorted(SPEC_TABLE)
MAGNITUDES = ("125", "1000", "3125", "100000")


def _spec_grids(board: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.array([line.split() for line in SPEC_GRIDS[board].strip().splitlines()], dtype=int)
    n = rows.shape[0]
    return rows[:, :n], rows[:, n:]


def _stream_state(env: NoiseWorldEnv) -> dict:
    return copy.deepcopy(env.np_random.bit_generator.state)


def _next_uniform(env: NoiseWorldEnv) -> float:
    """The u the env's next random draw will return, read from a copy of its generator."""
    twin = np.random.default_rng()
    twin.bit_generator.state = _stream_state(env)
    return float(twin.random())


# ---- layouts ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("board", BOARD_IDS)
def test_layout_equals_spec_tables(board: int) -> None:
    layout = board_layout(board)
    n, wall, bad, milestones, _ = SPEC_TABLE[board]
    codes, region_id = _spec_grids(board)
    assert layout.n == n and layout.horizon == n * n
    np.testing.assert_array_equal(layout.codes, codes)
    np.testing.assert_array_equal(layout.region_id, region_id)
    assert list(layout.region_type) == [kind for kind, _ in SPEC_REGIONS[board]]
    expected_p_move = [p_move for _, p_move in SPEC_REGIONS[board]]
    assert [round(p, 3) for p in layout.region_move_probability] == expected_p_move
    assert layout.walls == (wall,) and layout.bad_cells == (bad,) and layout.milestones == milestones


def test_layout_arrays_are_read_only() -> None:
    layout = board_layout(1)
    with pytest.raises(ValueError):
        layout.codes[0, 0] = 3
    with pytest.raises(ValueError):
        layout.region_id[0, 0] = 0


# ---- the exact optimum ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("board", BOARD_IDS)
def test_dp_optimum_matches_spec(board: int) -> None:
    assert optimal_value(board) == pytest.approx(SPEC_TABLE[board][4], abs=0.1)


@pytest.mark.parametrize("board", [0, 4, 5])
def test_dp_policy_empirical_return_is_consistent_with_optimum(board: int) -> None:
    # Board 4 exercises the milestone phases, board 5 the teleports; 2000 seeded episodes each.
    task = get_task(f"noise_world_board_{board}")
    returns = np.array([e.episode_return for e in evaluate(task, optimal_policy(board), list(range(2000)))])
    standard_error = returns.std(ddof=1) / math.sqrt(len(returns))
    assert abs(returns.mean() - optimal_value(board)) < 4 * standard_error + 1e-9


def test_dp_policy_works_with_key_info_observations() -> None:
    task = get_task("noise_world_board_4_key_info")
    episodes = evaluate(task, optimal_policy(4), list(range(20)))
    assert np.mean([e.episode_return for e in episodes]) > 900


# ---- dynamics -----------------------------------------------------------------------------------------------------


def test_reward_function_values() -> None:
    assert noise_world_reward(5, reached_goal=False, goal_unlocked=True, reached_bad_cell=False) == -1.0
    assert noise_world_reward(5, reached_goal=True, goal_unlocked=True, reached_bad_cell=False) == 124.0
    assert noise_world_reward(10, reached_goal=True, goal_unlocked=False, reached_bad_cell=False) == -1.0
    assert noise_world_reward(10, reached_goal=False, goal_unlocked=False, reached_bad_cell=True) == -100001.0


def test_reset_observation_and_info() -> None:
    env = NoiseWorldEnv(4)
    obs, info = env.reset(seed=0)
    codes = board_layout(4).codes.ravel()
    assert obs.dtype == np.float32 and obs.shape == (106,) and env.observation_space.contains(obs)
    np.testing.assert_array_equal(obs, np.concatenate([[0.0, 0.0, 1.0, 1.0], codes, [0.0, 0.0]]))
    assert info == {"pos": (0, 0), "goal": (9, 9), "n": 10, "horizon": 100}
    assert NoiseWorldEnv(0).reset(seed=0)[0].shape == (29,)


def test_blocked_moves_draw_no_random_number() -> None:
    env = NoiseWorldEnv(0)  # the start cell is a stochastic-reset cell, so an unblocked move would draw
    env.reset(seed=3)
    before = _stream_state(env)
    _, reward, terminated, truncated, info = env.step(0)  # off the grid
    assert info["pos"] == (0, 0) and reward == -1.0 and not terminated and not truncated
    env._pos = (3, 0)  # test-only: next to the wall at (4, 0)
    _, _, _, _, info = env.step(1)  # into the wall
    assert info["pos"] == (3, 0)
    assert env.np_random.bit_generator.state == before
    env.step(3)  # unblocked move out of a stochastic cell: one draw
    assert env.np_random.bit_generator.state != before


def test_deterministic_cells_draw_no_random_number() -> None:
    env = NoiseWorldEnv(1)
    env.reset(seed=0)
    env._pos = (5, 5)  # test-only: a deterministic region
    before = _stream_state(env)
    _, _, _, _, info = env.step(3)
    assert info["pos"] == (5, 6) and env.np_random.bit_generator.state == before


@pytest.mark.parametrize(
    ("board", "cell", "action", "target", "failure"),
    [
        (0, (1, 1), 3, (1, 2), (0, 0)),  # stochastic-reset, P(move) = .460: failure teleports to the start
        (2, (5, 1), 1, (6, 1), (5, 1)),  # stochastic-stay, P(move) = .277: failure stays
    ],
)
def test_stochastic_moves(board: int, cell, action: int, target, failure) -> None:
    env = NoiseWorldEnv(board)
    p_move = board_layout(board).region_move_probability[board_layout(board).region_id[cell]]
    outcomes = []
    for seed in range(60):
        env.reset(seed=seed)
        env._pos = cell  # test-only
        u = _next_uniform(env)
        _, reward, terminated, _, info = env.step(action)
        assert info["pos"] == (target if u < p_move else failure) and reward == -1.0 and not terminated
        outcomes.append(info["pos"] == target)
    assert 0 < sum(outcomes) < len(outcomes)  # both branches were exercised


def test_milestones_unlock_the_goal_only_in_order() -> None:
    env = NoiseWorldEnv(4)  # milestones: 6 at (9, 3), 7 at (3, 9)
    env.reset(seed=0)
    env._pos = (2, 9)  # test-only, deterministic cell above the code-7 cell
    obs, *_ = env.step(1)
    assert obs[-2:].tolist() == [0.0, 0.0]  # 7 before 6 does nothing
    env._pos = (8, 9)
    _, reward, terminated, truncated, info = env.step(1)  # goal without the milestones
    assert info["pos"] == (9, 9) and reward == -1.0 and terminated and not truncated

    env.reset(seed=0)
    for action in [1] * 9 + [3] * 3:  # down column 0, then right to (9, 3): deterministic cells only
        obs, *_ = env.step(action)
    assert obs[-2:].tolist() == [1.0, 0.0]
    env._pos = (2, 9)
    obs, *_ = env.step(1)
    assert obs[-2:].tolist() == [1.0, 1.0]
    env._pos = (8, 9)
    _, reward, terminated, _, _ = env.step(1)
    assert reward == 999.0 and terminated


def test_bad_cell_is_terminal() -> None:
    env = NoiseWorldEnv(1)
    env.reset(seed=0)
    env._pos = (8, 4)  # test-only, deterministic cell left of the bad cell (8, 5)
    _, reward, terminated, truncated, info = env.step(3)
    assert info["pos"] == (8, 5) and reward == -100001.0 and terminated and not truncated
    with pytest.raises(RuntimeError):
        env.step(0)


def test_goal_reward_without_milestones_on_plain_boards() -> None:
    env = NoiseWorldEnv(0)
    env.reset(seed=0)
    env._pos = (4, 3)  # test-only, deterministic cell left of the goal
    _, reward, terminated, _, _ = env.step(3)
    assert reward == 124.0 and terminated


def test_truncation_at_n_squared_steps() -> None:
    env = NoiseWorldEnv(0)
    env.reset(seed=0)
    for step in range(1, 26):
        _, reward, terminated, truncated, info = env.step(0)  # blocked: the agent never moves
        assert info["steps"] == step and reward == -1.0 and not terminated
        assert truncated == (step == 25)


def test_action_space_is_asserted() -> None:
    env = NoiseWorldEnv(0)
    env.reset(seed=0)
    env.step(np.int64(0))
    for bad_action in (0.0, 4, -1):
        with pytest.raises(AssertionError):
            env.step(bad_action)


def _rollout(env: NoiseWorldEnv, seed: int | None, actions: list[int]) -> list[tuple]:
    env.reset(seed=seed)
    trace = []
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        trace.append((info["pos"], reward))
        if terminated or truncated:
            break
    return trace


def test_seeded_reset_reproduces_episodes() -> None:
    actions = np.random.default_rng(1).integers(0, 4, size=25).tolist()
    env = NoiseWorldEnv(0)
    first = _rollout(env, 7, actions)
    _rollout(env, 8, actions)
    assert _rollout(env, 7, actions) == first
    assert _rollout(NoiseWorldEnv(0), 7, actions) == first


def test_reset_without_seed_continues_the_stream() -> None:
    env = NoiseWorldEnv(0)
    env.reset(seed=5)
    env.step(3)
    before = _stream_state(env)
    env.reset()
    assert env.np_random.bit_generator.state == before
    # A fresh env's unseeded stream is the layout generator's continuation, the same for every instance.
    assert _stream_state(NoiseWorldEnv(0)) == _stream_state(NoiseWorldEnv(0))


# ---- tasks and what the LLM is shown -------------------------------------------------------------------------------


def test_task_registry() -> None:
    expected = [f"noise_world_board_{b}" for b in range(7)] + [f"noise_world_board_{b}_key_info" for b in (4, 5, 6)]
    assert list(TASKS) == expected
    assert [name for name in task_names("hard_exploration") if name.startswith("noise_world")] == expected
    for name in expected:
        task = get_task(name)
        assert (task.name, task.family, task.score) == (name, "hard_exploration", "return")
        assert task.horizon == (25 if name == "noise_world_board_0" else 100)
        assert task.reward_function is None and task.reward_text


@pytest.mark.parametrize("name", ["noise_world_board_1", "noise_world_board_6", "noise_world_board_6_key_info"])
def test_observations_are_read_only_and_match_the_raw_vector(name: str) -> None:
    task = get_task(name)
    env = task.make_env()
    obs, info = env.reset(seed=0)
    observation = task.observe(obs, info)
    fields = [getattr(observation, f.name) for f in dataclasses.fields(observation) if f.name != "vector"]
    flat = np.concatenate([np.ravel(np.asarray(value, dtype=np.float64)) for value in fields])
    if hasattr(observation, "vector"):  # boards 4-6 without key info: the two trailing values stay unnamed
        np.testing.assert_array_equal(observation.vector, obs)
        assert len(flat) == len(obs) - 2 and not observation.vector.flags.writeable
        obs = obs[: len(flat)]
    np.testing.assert_array_equal(flat, obs)  # named fields, in order, are the documented vector layout
    with pytest.raises(ValueError):
        observation.board[0] = 4.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        observation.agent_row = 0.5


@pytest.mark.parametrize("name", list(TASKS))
def test_prompt_reveals_no_magnitudes_or_cell_semantics(name: str) -> None:
    task = get_task(name)
    shown = "\n".join(
        [
            task.observation_source(),
            task.reward_source(),
            task.action_description(),
            task.termination,
            task.extra_context,
        ]
    )
    for number in MAGNITUDES:
        assert number not in shown
    # As in the paper's prompt: actions may fail or be stochastic, without saying how.
    assert shown.count(STOCHASTIC_NOTE) == 1
    shown = shown.replace(STOCHASTIC_NOTE, "")
    for secret in ("wall", "teleport", "stochastic", "deterministic", "probab", "random"):
        assert secret not in shown.lower()
    key_info = name.endswith("_key_info")
    assert ("milestone" in shown.lower() or "labelled 6" in shown) == key_info
    if name in ("noise_world_board_4", "noise_world_board_5", "noise_world_board_6"):
        # The two trailing values are neither named nor explained (the key-info variant explains them).
        source = task.observation_source()
        assert "two trailing scalars" in source and "visited" not in source and "flag" not in source.lower()
        assert [f.name for f in dataclasses.fields(task.observation_type)][-1] == "vector"


@pytest.mark.parametrize("name", list(TASKS))
def test_prompt_says_which_codes_appear(name: str) -> None:
    """Boards 0-3 hold only codes 0-5 and the prompt says so; boards 4-6 may show 0-7."""
    task = get_task(name)
    highest = int(max(board_layout(task.board).codes.ravel()))
    if task.board <= 3:
        assert highest <= 5 and "Only codes 0 to 5 appear" in task.extra_context
    else:
        assert highest == 7 and "Codes 0 to 7 may appear" in task.extra_context
