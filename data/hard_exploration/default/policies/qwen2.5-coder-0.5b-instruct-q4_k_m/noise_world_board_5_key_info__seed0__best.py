# PromptPO best policy for noise_world_board_5_key_info (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -100
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: NoiseWorldKeyInfoObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""

        # Read the raw observation vector from the input parameters
        agent_row = obs.agent_row
        agent_col = obs.agent_col
        goal_row = obs.goal_row
        goal_col = obs.goal_col

        # Define the board
        n = 10
        board = np.zeros((n, n))
        
        # Fill the board with code based on the observations
        for r in range(n):
            for c in range(n):
                if (r == agent_row * (n - 1)) and (c == agent_col * (n - 1)):
                    board[r, c] = 6  # Agent has entered the 6 cell
                elif (r == goal_row * (n - 1)) and (c == goal_col * (n - 1)):
                    board[r, c] = 7  # Goal has been reached

        # Calculate reward based on the observed state
        reward = 0.0
        if agent_row < goal_row:
            reward += 1.0
        if agent_col < goal_col:
            reward += 1.0
        if agent_row == goal_row and agent_col == goal_col:
            reward += 7.0

        return int(reward)

# Example usage:
if __name__ == "__main__":
    policy = Policy()
    obs = NoiseWorldKeyInfoObservation(agent_row=5.5, agent_col=3.1, goal_row=10.0, goal_col=9.8)
    print(policy.act(obs))
