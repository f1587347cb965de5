# PromptPO best policy for noise_world_board_5 (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 2, selection score -100, held-out score -100
class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        pass

    def act(self, obs: NoiseWorldObservationWithScalars):
        """
        Return the action for observation `obs` (read-only: copy before modifying).
        
        The observation is read-only: copy arrays before modifying.
        
        Allowed imports: abc, array, bisect, cmath, collections, copy, dataclasses, decimal, enum, fractions, functools, heapq, itertools, math, numbers, numpy, operator, queue, random, re, scipy, statistics, string, time, typing. No files outside the working folder, no network, no subprocesses.
        
        Limits: `__init__` 10 s, each `act` call 1 s, 2048 MB of memory.
        """
        # Check if the observation is valid
        if not isinstance(obs, NoiseWorldObservationWithScalars):
            raise ValueError("The observation must be an instance of NoiseWorldObservationWithScalars")

        # Get the raw observation vector and scalars
        raw_observation = obs.vector.copy()
        scalar1 = raw_observation[4 + 0*10]
        scalar2 = raw_observation[6 + 1*10]

        # Determine the action based on the raw observation
        if scalar1 == 0:
            return 0  # Move up (decrease the row by 1)
        elif scalar1 == 1:
            return 1  # Move down (increase the row by 1)
        elif scalar1 == 2:
            return 2  # Move left (decrease the column by 1)
        elif scalar1 == 3:
            return 3  # Move right (increase the column by 1)

        # Determine if the agent has reached the goal cell
        if raw_observation[0] == 9 or raw_observation[1] == 9 or raw_observation[2] == 9 or raw_observation[3] == 9:
            return 3  # Reaching the goal cell

        # Determine if the agent has reached a terminal failure cell
        if scalar1 == 0 and scalar2 == 0:
            return 4  # Reaching a terminal failure cell

        # Calculate the total reward based on the action
        if raw_observation[5] > 0.0:  # Goal cell
            reward = 100 - (raw_observation[6 + raw_observation[5]*10] / 7) * 10
        elif raw_observation[5] < 0.0:  # Terminal failure cell
            reward = -90 - (raw_observation[6 + raw_observation[5]*10] / 7) * 10
        else:  # Goal cell and terminal failure cell
            reward = 80 - (raw_observation[6 + raw_observation[5]*10] / 7) * 10

        return int(reward)
