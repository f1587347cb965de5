# PromptPO best policy for traffic_merge (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 3299.82, held-out score 2686.5
import numpy as np

class Policy:
    def __init__(self, max_acceleration=1.0):
        """Called once at the start of every episode: a fresh instance per episode."""
        # Initialize any necessary variables or state here
        self.slot_speeds = np.zeros(10)
        self.accelerations = np.zeros(10)
        self.controlled_slots = 0
        self.max_acceleration = max_acceleration

    def act(self, obs: TrafficObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Process the observation to determine the next step's actions
        self.slot_speeds = obs.speed.copy()
        self.accelerations = np.zeros(10)

        # Define min_acceleration and max_braking
        min_acceleration = 1.0
        max_braking = 3.0

        # Implement logic to decide which slot to accelerate or brake based on observations and policy rules
        for i in range(10):
            if self.slot_speeds[i] > 0:  # If the slot is occupied by a vehicle
                if abs(self.accelerations[i]) < self.max_acceleration:  # Check if acceleration is within limits
                    self.accelerations[i] += min_acceleration

        # Implement logic for braking based on current speed and gap to the next vehicle in front
        for i in range(10):
            if self.slot_speeds[i] > 0:
                if self.slot_speeds[i] - self.accelerations[i] > 0:  # If the vehicle is moving forward
                    if self.slot_speeds[i] < 30:  # If the vehicle's speed is below the speed limit
                        if self.slot_speeds[i] + max_braking / 2 <= 150:  # Check if braking can be applied safely
                            self.accelerations[i] -= max_braking / 2
                    else:
                        if self.slot_speeds[i] - max_braking < 75:  # Check if braking can be applied safely
                            self.accelerations[i] -= max_braking

        return self.accelerations
