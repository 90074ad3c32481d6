"""Agents arena can field: the registry, heuristic bots and (later) neural policies."""
