"""NoiseWorld tasks (hard exploration): seven boards whose cell semantics the LLM is never told."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from promptpo.envs.noise_world import BOARDS, NoiseWorldEnv, board_layout
from promptpo.tasks.base import Task, frozen_array, source_of


@dataclass(frozen=True)
class NoiseWorldObservation:
    """What the policy sees at each step of a NoiseWorld episode on an n x n grid (n is given in the task context).

    Cells are (row, column) with row 0 at the top and column 0 at the left. The agent starts at the top-left cell
    (0, 0); the goal is the bottom-right cell (n - 1, n - 1).

    The environment's raw observation is a float vector of length 4 + n*n:
        index 0: agent_row, 1: agent_col, 2: goal_row, 3: goal_col, 4 + r*n + c: board code of cell (r, c)
    and this class gives the same numbers by name. Positions are normalised by n - 1, so the integer cell of the
    agent is (round(agent_row * (n - 1)), round(agent_col * (n - 1))).

    Every cell holds an integer code between 0 and 7 (BOARD_MAX_CODE = 7), stored as a float. What the codes mean
    is not documented. The board does not change during an episode.
    """

    agent_row: float  # agent's row / (n - 1), in [0, 1]; 0 = top row
    agent_col: float  # agent's column / (n - 1), in [0, 1]; 0 = left column
    goal_row: float  # goal's row / (n - 1); always 1.0 (bottom row)
    goal_col: float  # goal's column / (n - 1); always 1.0 (right column)
    board: np.ndarray  # read-only float array, shape (n*n,), row-major: board[r * n + c] is the code of cell (r, c)


@dataclass(frozen=True)
class NoiseWorldObservationWithScalars(NoiseWorldObservation):
    """On this board the raw observation vector has 6 + n*n entries: the 4 + n*n described above, then
    two trailing scalars. `vector` is that whole raw vector.
    """

    vector: np.ndarray  # read-only float array, shape (6 + n*n,): the raw observation vector


@dataclass(frozen=True)
class NoiseWorldKeyInfoObservation(NoiseWorldObservation):
    """On this board the raw observation vector has 6 + n*n entries: the 4 + n*n described above, then two
    progress flags, given here as `visited_6` (index 4 + n*n) and `visited_6_then_7` (index 5 + n*n).

    Codes 6 and 7 each label exactly one cell. The large goal reward is paid only if the agent has entered the
    cell labelled 6 and, after that, the cell labelled 7; entering 7 before 6 does not count. Progress is never
    lost within an episode.
    """

    visited_6: float  # 1.0 once the agent has entered the cell labelled 6, else 0.0
    visited_6_then_7: float  # 1.0 once the agent has entered the cell labelled 7 after visiting 6, else 0.0


ACTION_MEANINGS = (
    "move up (decrease the row by 1)",
    "move down (increase the row by 1)",
    "move left (decrease the column by 1)",
    "move right (increase the column by 1)",
)

REWARD_TEXT = (
    "Every step costs a small fixed penalty. Reaching the goal cell gives a large bonus. Reaching a terminal "
    "failure cell (a catastrophic failure) gives a large penalty. The reward function itself is not shown."
)

# The paper's prompt says that moves can go wrong, never how (no probabilities, no teleports).
STOCHASTIC_NOTE = "Actions may fail or have stochastic outcomes."

MILESTONE_REWARD_TEXT = (
    " The goal bonus is paid only if the agent has entered the cell labelled 6 and, after that, the cell labelled "
    "7 (7 before 6 does not count). Reaching the goal without them still ends the episode, and that step earns "
    "only the step penalty."
)


class NoiseWorldTask(Task):
    """NoiseWorld board `board` as a PromptPO task; `key_info` (boards 4-6 only) documents the milestone rule.

    The reward is hidden as in the paper: the prompt shows only `reward_text`; the env's reward comes from
    `promptpo.envs.noise_world.noise_world_reward`.
    """

    family = "hard_exploration"
    score = "return"
    reward_function = None
    paper_rounds = 5

    def __init__(self, board: int, key_info: bool = False):
        layout = board_layout(board)
        if key_info and not layout.milestones:
            raise ValueError(f"board {board} has no milestones, so it has no key-info variant")
        self.board = board
        self.key_info = key_info
        self.name = f"noise_world_board_{board}" + ("_key_info" if key_info else "")
        self.horizon = layout.horizon
        if not layout.milestones:
            self.observation_type: type = NoiseWorldObservation
        else:
            self.observation_type = NoiseWorldKeyInfoObservation if key_info else NoiseWorldObservationWithScalars
        self.action_meanings = ACTION_MEANINGS
        self.termination = (
            "The episode ends when the agent reaches the goal cell or a terminal failure cell, or after "
            f"{self.horizon} steps (the horizon)."
        )
        self.reward_text = REWARD_TEXT + (MILESTONE_REWARD_TEXT if key_info else "")
        vector_length = 4 + layout.n**2 + (2 if layout.milestones else 0)
        codes = "Codes 0 to 7 may appear" if layout.milestones else "Only codes 0 to 5 appear"
        self.extra_context = (
            f"This board is {layout.n} x {layout.n} (n = {layout.n}); the raw observation vector has "
            f"{vector_length} entries. {codes} on this board. {STOCHASTIC_NOTE}"
        )

    def make_env(self) -> NoiseWorldEnv:
        return NoiseWorldEnv(self.board)

    def oracle(self) -> tuple[str, Callable[[], Callable[[Any], Any]]]:
        """The optimal policy from dynamic programming on the true model (`references.noise_world_optimal`)."""
        from promptpo.references.noise_world_optimal import optimal_policy

        return "optimal (DP)", optimal_policy(self.board)

    def exact_optimum(self) -> float:
        """V*(start), exact, from the same dynamic programming."""
        from promptpo.references.noise_world_optimal import optimal_value

        return optimal_value(self.board)

    def observe(self, obs: Any, info: dict[str, Any]) -> Any:
        n_cells = board_layout(self.board).n ** 2
        values = [float(x) for x in obs[:4]] + [frozen_array(obs[4 : 4 + n_cells])]
        if self.observation_type is NoiseWorldObservationWithScalars:
            values.append(frozen_array(obs))  # the two trailing values stay unnamed, as in the paper's prompt
        else:
            values += [float(x) for x in obs[4 + n_cells :]]
        return self.observation_type(*values)

    def observation_source(self) -> str:
        """Source of the observation class and of the base class whose fields it inherits, base first."""
        classes = [cls for cls in reversed(self.observation_type.__mro__) if dataclasses.is_dataclass(cls)]
        return "\n\n".join(source_of(cls) for cls in classes)


TASKS: dict[str, Callable[[], Task]] = {
    f"noise_world_board_{board}": functools.partial(NoiseWorldTask, board=board) for board in BOARDS
} | {
    f"noise_world_board_{board}_key_info": functools.partial(NoiseWorldTask, board=board, key_info=True)
    for board, spec in BOARDS.items()
    if spec.milestones
}
