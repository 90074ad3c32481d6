"""Neural agents: the battle's features, the action slots, the policy network, checkpoints,
batched inference and the player that uses them."""
