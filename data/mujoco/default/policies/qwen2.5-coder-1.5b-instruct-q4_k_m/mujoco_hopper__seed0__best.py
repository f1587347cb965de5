# PromptPO best policy for mujoco_hopper (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 260.475, held-out score 191.02
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        # Initialize the policy with an appropriate action
        self.action = np.array([0.5, 0.5, 0])  # Random initial action

    def act(self, obs: HopperObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Implement a more sophisticated policy
        # For example, we can try to maximize the forward velocity
        # by adjusting the torque values of the joints
        return self.action
