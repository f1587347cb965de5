"""Point-maze tasks (gymnasium-robotics PointMaze v3, large mazes): push a ball through a walled maze to a goal."""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

# Importing gymnasium-robotics prints a notice about its Adroit envs' rewards (unrelated to the mazes) to stderr,
# which would clutter every notebook and log; it is silenced for the import only.
with contextlib.redirect_stderr(io.StringIO()):
    import gymnasium_robotics
from gymnasium_robotics.envs.maze.maps import LARGE_MAZE_DIVERSE_G

from promptpo.tasks.base import ScoredByTask, Task, source_of

gym.register_envs(gymnasium_robotics)

MazeMap = tuple[tuple[int | str, ...], ...]

# The paper's custom large map (benchmarks.md §1): rows top to bottom, 1 = wall, 0 = free; 40 free cells.
CUSTOM_LARGE_MAZE: MazeMap = tuple(
    tuple(int(c) for c in row)
    for row in (
        "1111111111",
        "1000100001",
        "1010101101",
        "1000000101",
        "1011110101",
        "1000000001",
        "1010111101",
        "1000000001",
        "1111111111",
    )
)
# The map `PointMaze_Large_Diverse_G-v3` registers ("r" = the only start cell, "g" = the goal cells).
DIVERSE_G_LARGE_MAZE: MazeMap = tuple(tuple(row) for row in LARGE_MAZE_DIVERSE_G)


# ---- what the LLM is shown: reward, success rule, observation --------------------------------------------------


def maze_goal_reward(ball_x: float, ball_y: float, goal_x: float, goal_y: float) -> float:
    """Reward of one step (sparse), computed from the state *after* the step.

    Inputs: the ball's position (ball_x, ball_y) and the goal's position (goal_x, goal_y), in metres, in the
    same world frame as the observation.
    Returns 1.0 when the ball's centre is within 0.45 m (Euclidean distance) of the goal, else 0.0.
    """
    distance = math.hypot(ball_x - goal_x, ball_y - goal_y)
    return 1.0 if distance <= 0.45 else 0.0


def maze_goal_reached(ball_x: float, ball_y: float, goal_x: float, goal_y: float) -> bool:
    """Success rule, checked after every step: the ball's centre is within 0.45 m of the goal.

    Inputs in metres, same world frame as the observation. An episode is a success if this held at any step.
    """
    return math.hypot(ball_x - goal_x, ball_y - goal_y) <= 0.45


@dataclass(frozen=True)
class PointMazeObservation:
    """What the policy receives each step of a point-maze episode (read-only plain floats).

    Frame: the maze's world frame, in metres. The origin is the centre of the maze, x increases to the right
    (east) and y increases upward (north). Each env step advances the simulation by 0.01 s.
    """

    ball_x: float  # ball centre, x position (m)
    ball_y: float  # ball centre, y position (m)
    ball_vx: float  # ball velocity along x (m/s); stays within about [-5, 5]
    ball_vy: float  # ball velocity along y (m/s); stays within about [-5, 5]
    goal_x: float  # goal position, x (m); fixed for the whole episode
    goal_y: float  # goal position, y (m); fixed for the whole episode


ACTION_MEANINGS = (
    "force pushing the ball along x: positive = towards +x (right), negative = towards -x (left), 0 = none",
    "force pushing the ball along y: positive = towards +y (up), negative = towards -y (down), 0 = none",
)


# ---- maze geometry (shared with the planner reference) ------------------------------------------------------------


def cell_centre(maze_map: MazeMap, row: int, col: int) -> tuple[float, float]:
    """World (x, y) in metres of the centre of cell (row, col); gymnasium-robotics' `cell_rowcol_to_xy`, scale 1."""
    return col + 0.5 - len(maze_map[0]) / 2, len(maze_map) / 2 - (row + 0.5)


def cell_of(maze_map: MazeMap, x: float, y: float) -> tuple[int, int]:
    """The (row, col) cell containing world point (x, y); gymnasium-robotics' `cell_xy_to_rowcol`, scale 1."""
    return math.floor(len(maze_map) / 2 - y), math.floor(x + len(maze_map[0]) / 2)


def free_cells(maze_map: MazeMap) -> list[tuple[int, int]]:
    """All (row, col) cells that are not walls (`1`), row by row."""
    return [(i, j) for i, row in enumerate(maze_map) for j, cell in enumerate(row) if cell != 1]


def maze_map_text(maze_map: MazeMap) -> str:
    """The map as the map-given prompt shows it: the grid and the cell <-> (x, y) formulas."""
    rows, cols = len(maze_map), len(maze_map[0])
    grid = "\n".join("".join(str(cell) for cell in row) for row in maze_map)
    return (
        f"Maze map: {rows} rows x {cols} columns of 1 m x 1 m cells, written row i = 0 (top, largest y) to "
        f"i = {rows - 1} (bottom), column j = 0 (left, smallest x) to j = {cols - 1} (right). "
        "1 = wall (solid), 0 = free floor.\n"
        f"```\n{grid}\n```\n"
        f"Cell (i, j) has its centre at x = j + 0.5 - {cols / 2:g}, y = {rows / 2:g} - (i + 0.5); "
        f"a point (x, y) lies in cell i = floor({rows / 2:g} - y), j = floor(x + {cols / 2:g}).\n"
        "Start and goal are always in free cells."
    )


# ---- the tasks ----------------------------------------------------------------------------------------------------


def _ball_and_goal(obs: dict[str, Any]) -> tuple[float, float, float, float]:
    """(ball_x, ball_y, goal_x, goal_y) as plain floats from a PointMaze observation dict."""
    (ball_x, ball_y), (goal_x, goal_y) = obs["achieved_goal"].tolist(), obs["desired_goal"].tolist()
    return ball_x, ball_y, goal_x, goal_y


class PointMazeTask(Task):
    """A gymnasium-robotics PointMaze task: a force-actuated ball must reach a goal in a maze of 1 m cells.

    ## Environment
    `gym.make(env_id, **env_kwargs)` wrapped so the reward and `info["success"]` come from `maze_goal_reward`
    and `maze_goal_reached`. Simulation step 0.01 s (MuJoCo timestep 0.01, frame skip 1; the upstream docs'
    "10 Hz" is wrong for v3), no gravity, ball velocity clipped to [-5, 5] m/s per axis before each step.

    ## Starting state (gymnasium-robotics `MazeEnv.reset`, maze_v4.py)
    `reset(seed=s)` seeds the env's `np_random`, then draws, in this order: the goal cell uniformly from the goal
    cells; the goal's noise, uniform in [-0.25, 0.25] m on x then y, added to the cell centre; the start cell
    uniformly from the start cells, redrawn while its centre is within 0.5 m of the (noisy) goal, i.e. never the
    goal's cell; the start's noise, likewise. The ball starts at rest. Same seed -> same goal and start.
    Goal/start cells: a map of only 0/1 cells (the custom map) uses every free cell for both (40 cells, so the
    goal is uniform over 40 cells and the start uniform over the other 39). A map with "g"/"r" cells (the
    published Diverse_G map) uses exactly the "g" cells as goals (7) and the "r" cells as starts (one, top-left:
    the ball always starts near (-4.5, 3.0)).

    ## Reward, termination
    Sparse (reward_type "sparse"): 1.0 for a step ending within 0.45 m of the goal, else 0.0 (the code's radius;
    the upstream docstring's "0.5 m" is wrong).
    `continuing_task=False` (custom map): terminates on that step. `continuing_task=True` (the published
    registration's default, kept for Diverse_G): never terminates; with `reset_target=False` the goal stays put
    and every step spent within 0.45 m earns 1.0. Both truncate after `max_episode_steps=800` (TimeLimit).
    Score: success, i.e. the success rule held at some step.
    """

    family = "hard_exploration"
    horizon = 800
    score = "success"
    observation_type = PointMazeObservation
    action_meanings = ACTION_MEANINGS

    def __init__(
        self, name: str, env_id: str, maze_map: MazeMap, env_kwargs: dict[str, Any], *, map_given: bool
    ) -> None:
        self.name = name
        self.env_id = env_id
        self.maze_map = maze_map
        self.env_kwargs = env_kwargs
        self.map_given = map_given
        # An instance attribute, so that `task.reward_function` is the plain module-level function (not a method).
        self.reward_function = maze_goal_reward
        # PointMazeEnv's default is continuing_task=True; tests check this against the built env.
        self.continuing = bool(env_kwargs.get("continuing_task", True))
        self.termination = _termination_text(self.continuing, self.horizon)
        self.extra_context = _extra_context(maze_map if map_given else None)

    def make_env(self) -> gym.Env:
        # A deep copy: the simulator keeps a reference to the map list, which must not be shared between envs.
        env = gym.make(self.env_id, **copy.deepcopy(self.env_kwargs))
        if env.spec is None or env.spec.max_episode_steps != self.horizon:
            raise RuntimeError(f"{self.env_id} should truncate at {self.horizon} steps, spec says {env.spec}")
        return ScoredByTask(env, self)

    def oracle(self) -> tuple[str, Callable[[], Callable[[Any], Any]]]:
        """An A* planner on the true map with a PD controller (`references.maze_planner`)."""
        from promptpo.references.maze_planner import maze_planner

        return "planner (A* + PD)", maze_planner(self)

    def score_step(self, sim: Any, before: Any, action: Any, obs: Any, info: dict[str, Any]) -> tuple[float, bool]:
        """The documented `maze_goal_reward` and `maze_goal_reached` of the ball and goal after the step (the
        simulator computes the same itself; tests/test_point_maze.py checks that they agree)."""
        positions = _ball_and_goal(obs)
        return maze_goal_reward(*positions), maze_goal_reached(*positions)

    def observe(self, obs: dict[str, Any], info: dict[str, Any]) -> PointMazeObservation:
        ball_x, ball_y, ball_vx, ball_vy = obs["observation"].tolist()
        goal_x, goal_y = obs["desired_goal"].tolist()
        return PointMazeObservation(ball_x, ball_y, ball_vx, ball_vy, goal_x, goal_y)


def _termination_text(continuing: bool, horizon: int) -> str:
    if continuing:
        ending = (
            "Reaching the goal does not end the episode: the goal stays where it is and every step that ends "
            "within 0.45 m of it earns reward 1.0."
        )
    else:
        ending = "The episode terminates at the first step that ends with the success rule true (reward 1.0)."
    return (
        f"{ending} Otherwise the episode is truncated after {horizon} steps. The episode counts as a success if "
        f"the success rule below held after any step:\n```python\n{source_of(maze_goal_reached).rstrip()}\n```"
    )


def _extra_context(maze_map: MazeMap | None) -> str:
    general = (
        "The ball rolls on a flat floor inside a maze enclosed by walls; it stops or slides when it hits a wall. "
        "The goal and the ball's start can differ from episode to episode; the goal is in the observation."
    )
    if maze_map is None:
        return general + " The layout of the maze is not given."
    return f"{general}\n{maze_map_text(maze_map)}"


def _as_lists(maze_map: Sequence[Sequence[int | str]]) -> list[list[int | str]]:
    """gymnasium-robotics expects the map as a list of lists."""
    return [list(row) for row in maze_map]


_CUSTOM_KWARGS = {"maze_map": _as_lists(CUSTOM_LARGE_MAZE), "continuing_task": False}

TASKS: dict[str, Callable[[], Task]] = {
    "point_maze_large": functools.partial(
        PointMazeTask,
        name="point_maze_large",
        env_id="PointMaze_Large-v3",
        maze_map=CUSTOM_LARGE_MAZE,
        env_kwargs=_CUSTOM_KWARGS,
        map_given=False,
    ),
    "point_maze_large_map_given": functools.partial(
        PointMazeTask,
        name="point_maze_large_map_given",
        env_id="PointMaze_Large-v3",
        maze_map=CUSTOM_LARGE_MAZE,
        env_kwargs=_CUSTOM_KWARGS,
        map_given=True,
    ),
    # The registered id as published: its own map, continuing_task=True, reset_target=False, sparse reward.
    "point_maze_large_diverse_g": functools.partial(
        PointMazeTask,
        name="point_maze_large_diverse_g",
        env_id="PointMaze_Large_Diverse_G-v3",
        maze_map=DIVERSE_G_LARGE_MAZE,
        env_kwargs={},
        map_given=False,
    ),
}
