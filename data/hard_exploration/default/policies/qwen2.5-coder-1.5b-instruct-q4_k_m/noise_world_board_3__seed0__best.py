# PromptPO best policy for noise_world_board_3 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -100
import numpy as np

class Policy:
    def __init__(self, n=10):
        self.n = n
        self.goal_row = 1.0 - 1e-4
        self.goal_col = 1.0 - 1e-4
        self.current_agent_pos = (0, 0)
        self.reach_goal = False

    def act(self, obs: NoiseWorldObservation):
        if not self.reach_goal:
            # Normalize agent position and goal to [0, 1]
            agent_row_normalized = obs.agent_row / (self.n - 1)
            agent_col_normalized = obs.agent_col / (self.n - 1)
            goal_row_normalized = obs.goal_row
            goal_col_normalized = obs.goal_col

            # Find the closest goal cell
            min_distance = float('inf')
            next_step = None
            for r in range(self.n):
                for c in range(self.n):
                    if (r, c) != self.current_agent_pos and (
                            abs(r - agent_row_normalized) + abs(c - agent_col_normalized) < min_distance):
                        min_distance = abs(r - agent_row_normalized) + abs(c - agent_col_normalized)
                        next_step = (r, c)

            # Move towards the goal cell
            if next_step:
                self.current_agent_pos = next_step

            # Check if the agent has reached the goal
            if np.allclose(self.current_agent_pos, (self.n-1, self.n-1)):
                self.reach_goal = True

        # Return the action to move towards the goal
        return 3  # Move right

    def reset(self):
        """Reset the policy for a new episode."""
        self.current_agent_pos = (0, 0)
        self.reach_goal = False
