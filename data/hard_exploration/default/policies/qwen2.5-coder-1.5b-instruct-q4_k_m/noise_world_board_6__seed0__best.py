# PromptPO best policy for noise_world_board_6 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -100
import numpy as np

class Policy:
    def __init__(self):
        self.n = 10  # board size
        self.agent_position = (0, 0)  # initial agent position
        self.goal_position = (9, 9)  # goal position
        self.rewards = [0.5] * 4 + [100.0] * 1 + [-100.0]  # rewards for different actions and terminal states

    def act(self, obs: NoiseWorldObservationWithScalars):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Normalize agent and goal positions
        normalized_agent = np.array([self.agent_position[0] / (self.n - 1), self.agent_position[1] / (self.n - 1)])
        normalized_goal = np.array([self.goal_position[0] / (self.n - 1), self.goal_position[1] / (self.n - 1)])

        # Calculate the distance to the goal
        dist_to_goal = np.linalg.norm(normalized_agent - normalized_goal)

        # Choose action based on distance to goal and reward
        if dist_to_goal < 0.2:
            return 3  # move right
        elif dist_to_goal > 0.8:
            return 2  # move left
        elif self.rewards[0] > self.rewards[1]:
            return 0  # move up
        else:
            return 1  # move down
