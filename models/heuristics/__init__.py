"""The shipped heuristic bots and the damage arithmetic they share."""
