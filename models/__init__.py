"""Agents arena can field: the registry, the shipped models, heuristic bots and neural
policies (features, actions, the policy network, checkpoints, batched inference)."""
