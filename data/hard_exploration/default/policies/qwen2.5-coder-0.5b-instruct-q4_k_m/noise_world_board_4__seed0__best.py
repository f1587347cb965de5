# PromptPO best policy for noise_world_board_4 (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -10094.8
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.total_reward = 0

    def act(self, obs: NoiseWorldObservationWithScalars) -> int:
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        
        # Normalize the agent position
        agent_row = obs.agent_row / (obs.board.shape[0] - 1)
        agent_col = obs.agent_col / (obs.board.shape[0] - 1)
        
        # Get the board code of the goal cell
        goal_row = obs.goal_row / (obs.board.shape[0] - 1)
        goal_col = obs.goal_col / (obs.board.shape[0] - 1)
        
        # Calculate the cost of reaching the goal cell
        goal_cost = np.abs(goal_row - agent_row) + np.abs(goal_col - agent_col)
        
        # Calculate the reward for reaching the goal cell
        reward_goal = goal_cost
        
        # Calculate the penalty for reaching a terminal failure cell
        terminal_failure_penalty = 1000  # Example value, you can adjust this
        
        # Calculate the total reward
        self.total_reward += reward_goal + terminal_failure_penalty
        
        # Return the action that maximizes the expected reward (e.g., move up)
        return np.random.choice([0, 1, 2, 3])

# Example usage:
if __name__ == "__main__":
    policy = Policy()
    print(f"Total Reward: {policy.total_reward}")
