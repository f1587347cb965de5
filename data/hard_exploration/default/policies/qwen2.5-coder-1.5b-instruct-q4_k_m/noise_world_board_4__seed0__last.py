# PromptPO last policy for noise_world_board_4 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -18.6, held-out score -18.2
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.agent_pos = (0, 0)
        self.goal_pos = (9, 9)
        self.n = 10
        self.board = np.zeros(self.n**2)

    def act(self, obs: NoiseWorldObservationWithScalars):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Normalize observations to [0, 1]
        agent_row_normalized = obs.agent_row / (self.n - 1)
        agent_col_normalized = obs.agent_col / (self.n - 1)
        goal_row_normalized = obs.goal_row / (self.n - 1)
        goal_col_normalized = obs.goal_col / (self.n - 1)

        # Determine the new position of the agent
        if agent_row_normalized > goal_row_normalized:
            return 0
        elif agent_row_normalized < goal_row_normalized:
            return 1
        elif agent_col_normalized > goal_col_normalized:
            return 2
        else:
            return 3

# Example usage
if __name__ == "__main__":
    policy = Policy()
    # Start an episode and observe the initial state
    obs = NoiseWorldObservationWithScalars(vector=np.zeros(106))
    action = policy.act(obs)
    print(f"Action taken: {action}")
