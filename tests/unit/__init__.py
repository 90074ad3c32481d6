"""Pure tests: no server, no simulator host, no network, no model training."""
