# PromptPO best policy for mujoco_ant (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 994.88, held-out score 994.594
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        # Initialize any necessary variables here, such as velocities or angles
        self.current_velocity = 0.0
        self.current_angle = 0.0

    def act(self, obs: AntObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Determine the direction the ant should move based on its current velocity and desired speed
        # For example, if the ant is moving at a slow speed, it should accelerate towards +x
        # If the ant is already moving at maximum speed, it should maintain that speed

        # Calculate the torque required to move the ant forward
        # Adjust the torque based on the current velocity of the ant
        if self.current_velocity > 0.5:
            torque_required = 150 * np.sign(self.current_velocity) * (self.current_velocity - 0.5)
        else:
            torque_required = 150 * np.sign(self.current_velocity)

        # Apply the torque to all four legs of the ant
        action = np.zeros(8)
        action[4] = torque_required
        action[7] = torque_required

        return action
