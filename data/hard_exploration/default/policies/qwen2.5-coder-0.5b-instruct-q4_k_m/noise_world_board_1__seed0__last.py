# PromptPO last policy for noise_world_board_1 (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 3, selection score -100, held-out score -100
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.episode = 0

    def act(self, obs: NoiseWorldObservation) -> int:
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Normalize the row and column coordinates
        norm_row = obs.agent_row / (obs.board.shape[0] - 1)
        norm_col = obs.agent_col / (obs.board.shape[0] - 1)

        # Calculate the cost of each step
        cost_up = self._cost_step(norm_row, norm_col)
        cost_down = self._cost_step(norm_row + 1, norm_col)
        cost_left = self._cost_step(norm_row, norm_col - 1)
        cost_right = self._cost_step(norm_row - 1, norm_col)

        # Calculate the total reward
        total_reward = cost_up + cost_down + cost_left + cost_right

        # Move to the next step or terminal failure
        if obs.agent_row == obs.goal_row and obs.agent_col == obs.goal_col:
            self.episode += 1
            return Policy.STOPPED_FAILURE
        elif obs.agent_row < obs.goal_row and norm_col > 0:
            return Policy.MOVE_UP
        elif obs.agent_row > obs.goal_row and norm_col < 0:
            return Policy.MOVE_DOWN
        elif obs.agent_col < obs.goal_col and norm_row > 0:
            return Policy.MOVE_LEFT
        else:
            return Policy.MOVE_RIGHT

    @staticmethod
    def _cost_step(row: float, col: float) -> float:
        """Cost function to calculate the cost of each step."""
        if row == 1:
            return -0.5  # Cost for reaching the goal cell
        elif row < 2:
            return 0.3  # Cost for moving up
        elif row > 1 and col == 1:
            return 0.4  # Cost for moving right
        else:
            return 0.3  # Cost for moving down

    STOPPED_FAILURE = 4
    MOVE_UP = 0
    MOVE_DOWN = 1
    MOVE_LEFT = 2
    MOVE_RIGHT = 3
