# PromptPO last policy for noise_world_board_5_key_info (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -100, held-out score none (it failed on the held-out episodes)
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.n = 10
        self.goal = (9, 9)  # Assuming the board is 10x10 for simplicity
        self.board = np.zeros((self.n, self.n), dtype=int)  # Initialize the board with zeros

    def act(self, obs: NoiseWorldKeyInfoObservation):
        if obs is None:
            raise ValueError("The observation cannot be None.")
        
        # Agent's current position
        agent_row = round(obs.agent_row * (self.n - 1))  # Normalising from [0, 1] to [0, n-1]
        agent_col = round(obs.agent_col * (self.n - 1))
        
        # Goal's position
        goal_row = int(np.round(obs.goal_row))
        goal_col = int(np.round(obs.goal_col))

        # Check if the agent has entered cell 6 and then moved right
        if obs.visited_6_then_7 == 1.0 and agent_col < goal_col:
            return 4  # Move right (down)
        
        # Otherwise, move randomly
        else:
            return np.random.choice([0, 1, 2, 3])

    def a_star(self, start, goal):
        open_list = [(0, start)]
        came_from = {}
        cost_so_far = {start: 0}
        best_path = None

        while open_list:
            current_cost, current_node = heappop(open_list)
            
            if current_node == goal:
                path = []
                while current_node in came_from:
                    path.append(current_node)
                    current_node = came_from[current_node]
                path.reverse()
                return cost_so_far[goal], path
            
            for direction in [0, 1, 2, 3]:  # up, down, left, right
                new_x, new_y = (current_node[0] + self.direction_to_coord(direction)[0],
                                current_node[1] + self.direction_to_coord(direction)[1])
                
                if 0 <= new_x < self.n and 0 <= new_y < self.n:
                    if not self.board[new_x][new_y]:
                        new_cost = cost_so_far[current_node] + 1
                        if new_cost < cost_so_far.get((new_x, new_y), np.inf):
                            came_from[(new_x, new_y)] = current_node
                            cost_so_far[(new_x, new_y)] = new_cost
                            heappush(open_list, (new_cost, (new_x, new_y)))
        
        return float('inf'), None

    def direction_to_coord(self, direction):
        if direction == 0:
            return (0, -1)  # up
        elif direction == 1:
            return (0, 1)   # down
        elif direction == 2:
            return (-1, 0)  # left
        else:
            return (1, 0)   # right
