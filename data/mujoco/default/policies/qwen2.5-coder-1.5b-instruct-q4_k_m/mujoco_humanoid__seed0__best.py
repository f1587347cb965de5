# PromptPO best policy for mujoco_humanoid (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 2, selection score 197.582, held-out score 196.688
import numpy as np

class Policy:
    def __init__(self):
        # Initialize the policy with any necessary parameters
        pass

    def act(self, obs: HumanoidObservation) -> np.ndarray:
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Implement your decision-making logic here based on the observation and reward.
        # The policy should maximize the expected total reward of an episode of at most 1000 steps.
        # You are not told the environment's dynamics; reason from the descriptions below and from the rollout feedback you will get.
        
        # Example: More complex action selection based on a more sophisticated heuristic
        # Note: This is just a placeholder and needs to be replaced with your own logic
        action = np.zeros(17)
        if obs.torso_z > 2.0:
            action[0] = 0.4  # torque for abdomen_y
        elif obs.torso_z < 1.0:
            action[0] = -0.4  # torque for abdomen_y
        else:
            action[0] = 0.0  # no torque
        
        return action
