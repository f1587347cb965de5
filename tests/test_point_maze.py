"""Point-maze tasks: scoring agrees with gymnasium-robotics, maps and resets are as documented, the planner solves
them."""

from __future__ import annotations

import copy
import dataclasses
import math

import gymnasium as gym
import numpy as np
import pytest

from promptpo.references.maze_planner import maze_planner
from promptpo.rollout import evaluate, heldout_seeds, run_episode
from promptpo.tasks.hard_exploration.point_maze import TASKS, cell_centre, cell_of, free_cells

# The custom map exactly as benchmarks.md §1 writes it.
SPEC_GRID = """\
1111111111
1000100001
1010101101
1000000101
1011110101
1000000001
1010111101
1000000001
1111111111"""

EPISODIC, PUBLISHED = "point_maze_large", "point_maze_large_diverse_g"


@pytest.fixture(scope="module", params=[EPISODIC, PUBLISHED])
def task(request):
    return TASKS[request.param]()


def test_reward_and_success_equal_the_simulators_own(task):
    """Lockstep with the bare gymnasium-robotics env: same observations, rewards (both values seen), successes."""
    scored, bare = task.make_env(), gym.make(task.env_id, **copy.deepcopy(task.env_kwargs))
    planner, rng = maze_planner(task), np.random.default_rng(0)
    rewards_seen = set()
    for seed in heldout_seeds(3):
        (obs, info), (bare_obs, bare_info) = scored.reset(seed=seed), bare.reset(seed=seed)
        act = planner()
        for _ in range(task.horizon):
            # Planner actions with random noise: random motion that still reaches the goal, so reward 1 occurs.
            action = np.clip(act(task.observe(obs, info)) + rng.uniform(-0.5, 0.5, 2), -1, 1).astype(np.float32)
            obs, reward, terminated, truncated, info = scored.step(action)
            bare_obs, bare_reward, bare_terminated, bare_truncated, bare_info = bare.step(action)
            for key in obs:
                np.testing.assert_array_equal(obs[key], bare_obs[key])
            assert abs(reward - float(bare_reward)) < 1e-6
            assert info["success"] == bare_info["success"]
            assert (terminated, truncated) == (bare_terminated, bare_truncated)
            rewards_seen.add(reward)
            if terminated or truncated:
                break
    assert rewards_seen == {0.0, 1.0}


def test_custom_map_is_the_spec_grid_with_40_free_cells():
    task = TASKS[EPISODIC]()
    assert "\n".join("".join(map(str, row)) for row in task.maze_map) == SPEC_GRID
    assert len(free_cells(task.maze_map)) == 40
    maze = task.make_env().unwrapped.maze
    assert maze.maze_map == [list(row) for row in task.maze_map]
    # A 0/1 map: every free cell is a goal and a start candidate, at the centres the documented formula gives.
    centres = sorted(cell_centre(task.maze_map, *cell) for cell in free_cells(task.maze_map))
    assert sorted(tuple(xy.tolist()) for xy in maze.unique_goal_locations) == centres
    assert sorted(tuple(xy.tolist()) for xy in maze.unique_reset_locations) == centres
    assert cell_centre(task.maze_map, 1, 1) == (1 + 0.5 - 5, 4.5 - (1 + 0.5))


def test_env_is_built_from_the_tasks_map_and_termination_rule(task):
    env = task.make_env().unwrapped
    assert env.maze.maze_map == [list(row) for row in task.maze_map]
    assert env.continuing_task == task.continuing
    assert env.reward_type == "sparse"
    assert task.continuing == (task.name == PUBLISHED)


def test_seeded_resets_are_reproducible_and_place_start_and_goal_as_documented(task):
    env_a, env_b = task.make_env(), task.make_env()
    goals = set()
    for seed in heldout_seeds(30):
        obs_a, _ = env_a.reset(seed=seed)
        env_a.step(env_a.action_space.sample())  # state left behind must not matter
        obs_a2, _ = env_a.reset(seed=seed)
        obs_b, _ = env_b.reset(seed=seed)
        for key in obs_a:
            np.testing.assert_array_equal(obs_a[key], obs_b[key])
            np.testing.assert_array_equal(obs_a[key], obs_a2[key])
        start_cell = cell_of(task.maze_map, *obs_a["achieved_goal"].tolist())
        goal_cell = cell_of(task.maze_map, *obs_a["desired_goal"].tolist())
        assert start_cell != goal_cell
        if task.name == PUBLISHED:
            assert task.maze_map[start_cell[0]][start_cell[1]] == "r"
            assert task.maze_map[goal_cell[0]][goal_cell[1]] == "g"
        else:
            assert start_cell in free_cells(task.maze_map) and goal_cell in free_cells(task.maze_map)
        for point, cell in ((obs_a["achieved_goal"], start_cell), (obs_a["desired_goal"], goal_cell)):
            assert np.all(np.abs(point - cell_centre(task.maze_map, *cell)) <= 0.25)  # documented noise
        np.testing.assert_array_equal(obs_a["observation"][2:], [0.0, 0.0])  # starts at rest
        goals.add(goal_cell)
    assert len(goals) > 3  # the seed does change the goal


def test_episodes_truncate_at_the_800_step_horizon(task):
    episode = run_episode(task, task.make_env(), lambda obs: np.zeros(2), seed=heldout_seeds(1)[0])
    assert (episode.steps, episode.truncated, episode.terminated, episode.success) == (800, True, False, False)


def test_map_is_in_the_context_only_of_the_map_given_variant():
    given, hidden = TASKS["point_maze_large_map_given"](), TASKS[EPISODIC]()
    assert SPEC_GRID in given.extra_context
    assert "x = j + 0.5 - 5, y = 4.5 - (i + 0.5)" in given.extra_context
    for task in (hidden, TASKS[PUBLISHED]()):
        shown = "\n".join(
            [
                task.extra_context,
                task.termination,
                task.reward_source(),
                task.observation_source(),
                task.action_description(),
            ]
        )
        for row in {"".join(map(str, row)) for row in task.maze_map}:
            assert row not in shown


def test_observation_is_read_only_plain_floats(task):
    env = task.make_env()
    observation = task.observe(*env.reset(seed=0))
    values = dataclasses.astuple(observation)
    assert len(values) == 6 and all(type(value) is float for value in values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        observation.ball_x = 0.0


def test_reward_function_is_self_contained_and_matches_the_success_rule(task):
    namespace = {"math": math}
    exec(task.reward_source(), namespace)  # the source the LLM is shown runs on its own
    shown_reward = namespace[task.reward_function.__name__]
    for ball_x, goal_x in ((0.0, 0.44), (0.0, 0.46), (1.0, 1.0), (-2.0, -2.3)):
        expected = 1.0 if abs(ball_x - goal_x) <= 0.45 else 0.0
        assert shown_reward(ball_x, 0.0, goal_x, 0.0) == task.reward_function(ball_x, 0.0, goal_x, 0.0) == expected


def test_planner_reaches_the_goal(task):
    episodes = evaluate(task, maze_planner(task), heldout_seeds(20))
    assert np.mean([episode.success for episode in episodes]) >= 0.9
    if not task.continuing:  # the episodic maze ends on the step that reaches the goal
        assert all(episode.terminated for episode in episodes if episode.success)
