"""From a trained run to a champion: the promotion gate, the generation loop and the lineage
report."""
