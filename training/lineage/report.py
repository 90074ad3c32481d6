"""A lineage's history, one row per generation, as plain data for any front end.

Each row joins what the store holds about a generation (its stage, parent, promotion
and evaluation) with what its run recorded on disk (the reward it was trained with and
the data it saw, from `run.json` and the dataset manifests): the checkpoint it put
forward and its sha256, its verdict, LLR and pairs, its Elo against its parent with
the 95% interval, its score against each gauntlet opponent and the alarms raised.
A run directory since moved away leaves those fields empty rather than failing.
"""

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from arena.errors import ArenaError
from arena.models.neural.checkpoint import agent_name
from arena.models.shipped import BASE
from arena.store.database import Store
from arena.store.tables import Generation, Lineage
from arena.training.data import dataset
from arena.training.learn.run import RUN_FILE

COLUMNS = (
    "lineage",
    "generation",
    "stage",
    "checkpoint",
    "sha256",
    "epoch",
    "parent",
    "parent_sha256",
    "reward",
    "battles",
    "decisions",
    "verdict",
    "llr",
    "pairs",
    "elo",
    "elo_low",
    "elo_high",
)


@dataclass
class GenerationRow:
    lineage: str
    generation: int
    stage: str
    checkpoint: str | None  # the candidate's agent name (run/epoch_N), once chosen
    sha256: str | None
    epoch: int | None
    parent: str  # the champion it was trained from and tested against
    parent_sha256: str | None
    reward: str | None
    battles: int | None  # the training data: every generation's games up to this one
    decisions: int | None
    verdict: str | None
    llr: float | None
    pairs: int | None
    elo: float | None  # against the parent, from the head-to-head pairs
    elo_low: float | None
    elo_high: float | None
    win_rates: dict[str, float] = field(default_factory=dict)  # candidate's score per opponent
    alarms: list[str] = field(default_factory=list)

    def hardest(self) -> tuple[str, float] | None:
        """The gauntlet opponent the candidate scored least against, and that score."""
        if not self.win_rates:
            return None
        return min(self.win_rates.items(), key=lambda item: item[1])

    def flat(self, opponents: list[str]) -> dict:
        """One CSV line: a column per opponent's win rate, alarms joined."""
        row = {key: getattr(self, key) for key in COLUMNS}
        for opponent in opponents:
            row[f"win_rate {opponent}"] = self.win_rates.get(opponent)
        row["alarms"] = " | ".join(self.alarms)
        return row


def display_name(spec: str) -> str:
    return spec if spec == BASE else agent_name(Path(spec))


def _run_record(run: str | None) -> tuple[str | None, int | None, int | None]:
    """Reward, battles and decisions the run trained on; None where the files are gone."""
    path = Path(run) / RUN_FILE if run else None
    if path is None or not path.is_file():
        return None, None, None
    options = json.loads(path.read_text())
    try:
        manifests = [dataset.read_manifest(Path(d)) for d in options["data"]]
    except ArenaError:
        return options["reward"], None, None
    battles = sum(len(m.battles) for m in manifests)
    return options["reward"], battles, sum(m.decisions for m in manifests)


def _row(store: Store, lineage: Lineage, generation: Generation) -> GenerationRow:
    reward, battles, decisions = _run_record(generation.run)
    row = GenerationRow(
        lineage=lineage.name,
        generation=generation.number,
        stage=generation.stage,
        checkpoint=None,
        sha256=None,
        epoch=None,
        parent=display_name(generation.parent),
        parent_sha256=generation.parent_sha256,
        reward=reward,
        battles=battles,
        decisions=decisions,
        verdict=None,
        llr=None,
        pairs=None,
        elo=None,
        elo_low=None,
        elo_high=None,
    )
    promotion = store.promotion_by_id(generation.promotion_id) if generation.promotion_id else None
    if promotion is None or promotion.candidate is None:
        return row
    row.checkpoint = display_name(promotion.candidate)
    row.sha256, row.epoch = promotion.candidate_sha256, promotion.epoch
    evaluation = store.evaluation_by_id(promotion.evaluation_id)
    if evaluation is None or evaluation.report is None:
        return row
    report = json.loads(evaluation.report)
    row.verdict, row.llr, row.pairs = evaluation.verdict, evaluation.llr, evaluation.pairs
    elo = report["elo"]
    row.elo = elo["elo"]
    row.elo_low = -math.inf if elo["elo_low"] is None else elo["elo_low"]  # null: open side
    row.elo_high = math.inf if elo["elo_high"] is None else elo["elo_high"]
    row.win_rates = {g["opponent"]: g["candidate_rate"] for g in report["gauntlet"]}
    row.alarms = [f"{a['kind']}: {a['message']}" for a in report["alarms"]]
    return row


def lineage_rows(store: Store, name: str | None = None) -> list[GenerationRow]:
    """Every generation of the named lineage (of every lineage when None), in order."""
    if name is None:
        lineages = store.lineages()
    else:
        found = store.lineage(name)
        if found is None:
            known = ", ".join(f.name for f in store.lineages()) or "none stored"
            raise ArenaError(f"unknown lineage {name!r} (known: {known})")
        lineages = [found]
    return [
        _row(store, lineage, generation)
        for lineage in lineages
        for generation in store.generations(lineage.id)
    ]


def opponents(rows: list[GenerationRow]) -> list[str]:
    """Every gauntlet opponent any generation met, in first-met order."""
    return list(dict.fromkeys(o for row in rows for o in row.win_rates))


def as_json(rows: list[GenerationRow]) -> list[dict]:
    """The rows as JSON objects; a number that is not finite becomes null."""

    def clean(value):
        return None if isinstance(value, float) and not math.isfinite(value) else value

    return [{key: clean(value) for key, value in asdict(row).items()} for row in rows]
