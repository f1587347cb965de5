# PromptPO best policy for mujoco_reacher (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -57.6029, held-out score -57.8205
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.target_x = np.random.uniform(-0.27, 0.27)
        self.target_y = np.random.uniform(-0.27, 0.27)

    def act(self, obs: ReacherObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Calculate the direction towards the target
        dx = self.target_x - obs.vector[4]
        dy = self.target_y - obs.vector[5]

        # Normalize the direction vector
        norm = np.sqrt(dx**2 + dy**2)
        if norm == 0:
            norm = 1e-6

        # Calculate the angle to the target from the current orientation of the arm
        cos_angle = dx / norm
        sin_angle = dy / norm

        # Adjust the action to align with the desired direction
        action = np.array([cos_angle, sin_angle])

        return action
