# PromptPO last policy for noise_world_board_0 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -25, held-out score -25
import numpy as np

class Policy:
    def __init__(self, n=5):
        self.n = n
        self.agent_pos = (0, 0)
        self.goal_pos = (n-1, n-1)
        self.penalty = -0.01  # fixed penalty per step
        self.bonus = 5.0   # large bonus for reaching the goal

    def act(self, obs: NoiseWorldObservation):
        """
        Return the action for observation `obs` (read-only: copy before modifying).

        The agent can move up, down, left, or right.
        """
        actions = [(0, -1), (0, 1), (-1, 0), (1, 0)]  # up, down, left, right
        rewards = []
        for action in actions:
            new_row, new_col = self.agent_pos[0] + action[0], self.agent_pos[1] + action[1]
            if 0 <= new_row < self.n and 0 <= new_col < self.n:
                # Check if the new position is a terminal failure cell
                if new_row == self.goal_pos[0] and new_col == self.goal_pos[1]:
                    rewards.append(self.bonus)
                else:
                    rewards.append(self.penalty * (np.exp(-10 * len(rewards))))

        best_action_index = np.argmax(rewards)
        return actions[best_action_index][0]  # Convert the tuple to an integer
