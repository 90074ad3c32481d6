"""The models arena ships, by name: `base`, the Gen 1 OU base model committed in
`models/base/` and built by scripts/build_base_model.py.

A shipped model's name stands for its file wherever a checkpoint is taken (an agent, a
`--init`, an incumbent, `arena model info`): `checkpoint.resolve_path` looks names up
here first. Nothing here loads torch, so the registry can name them cheaply.
"""

from pathlib import Path

BASE = "base"
BASE_CHECKPOINT = Path(__file__).resolve().parent / "base" / "gen1ou.pt"
SHIPPED = {BASE: BASE_CHECKPOINT}  # name -> file
