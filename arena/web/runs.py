"""Training runs as the dashboard shows them: `runs/*/metrics.jsonl` and their gauntlets.

A run's directory is the trainer's (`training/learn/run.py`): one JSON line per finished epoch
with its training losses, held-out diagnosis, gauntlet results with their alarm flags
(`training/learn/gauntlet.py`) and the learning-signal verdict (`training/learn/diagnosis.py`).
The files are only read, never locked or written, so a page can be open while the run
trains. Each epoch's gauntlet is also an ordinary stored tournament,
`train:NAME:epoch-N`, and the win rates shown come from those battles when the store has
them (the metrics line's copy otherwise), with Wilson 95% intervals.
"""

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from arena.kinds import TournamentKind
from arena.models.neural.checkpoint import agent_name
from arena.report.matrix import cells
from arena.store.database import Store
from arena.store.results import read

METRICS = "metrics.jsonl"
DEPTH = 2  # runs/NAME/metrics.jsonl and runs/GROUP/NAME/metrics.jsonl
# the curves a run page draws: a chart per title, each the metrics (if written) it plots
CHARTS = {
    "training losses": ("actor_loss", "critic_loss"),
    "held-out NLL": ("nll", "nll_uniform", "nll_slot_frequency"),
    "explained variance": ("value_ev", "critic_ev"),
    "effective sample size": ("ess",),
    "KL from the initial policy": ("kl_from_init",),
}
ALARMS = {  # gauntlet flags (training/learn/gauntlet.py) and how a page names them
    "saturated": "saturated",
    "regression": "regression",
    "valid_decline": "valid-action decline",
}


@dataclass
class RunRow:
    name: str  # the directory under the runs folder, e.g. `gen1` or `base/bc`
    epochs: int  # the last finished epoch
    verdict: str | None
    alarms: int  # alarm flags raised over all epochs
    updated_at: str


def run_names(root: Path) -> list[str]:
    """Every run under `root` that has written a metrics file, by name."""
    if not root.is_dir():
        return []
    found = {
        path.parent.relative_to(root).as_posix()
        for depth in range(1, DEPTH + 1)
        for path in root.glob("/".join(["*"] * depth + [METRICS]))
        if path.is_file()
    }
    return sorted(found)


def _records(root: Path, name: str) -> list[dict]:
    """The run's epoch lines; a line still being written (no newline yet) is left out."""
    text = (root / name / METRICS).read_text(errors="replace")
    records = []
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n") or not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("epoch"), int):
            records.append(record)
    return records


def _alarms(record: dict) -> list[str]:
    evaluation = record.get("evaluation") or {}
    return [
        f"{label} vs {opponent}"
        for opponent, row in evaluation.items()
        if isinstance(row, dict)
        for key, label in ALARMS.items()
        if row.get(key)
    ]


def runs(root: Path) -> list[RunRow]:
    """Every run, most recently written first."""
    rows = []
    for name in run_names(root):
        records = _records(root, name)
        modified = (root / name / METRICS).stat().st_mtime
        rows.append(
            RunRow(
                name=name,
                epochs=records[-1]["epoch"] if records else 0,
                verdict=records[-1].get("verdict") if records else None,
                alarms=sum(len(_alarms(r)) for r in records),
                updated_at=datetime.fromtimestamp(modified, UTC).isoformat(timespec="seconds"),
            )
        )
    return sorted(rows, key=lambda row: row.updated_at, reverse=True)


def run(root: Path, store: Store, name: str) -> dict | None:
    """One run's curves, per-opponent win rates and markers; None when there is no such
    run (a name is looked up among the listed runs, never joined to a path unchecked)."""
    if name not in run_names(root):
        return None
    records = _records(root, name)
    epochs = [r["epoch"] for r in records]
    charts = {
        title: {key: [_number(r.get(key)) for r in records] for key in keys}
        for title, keys in CHARTS.items()
        if any(key in r for r in records for key in keys)
    }
    stored = _stored_gauntlets(store, Path(name).name)
    return {
        "name": name,
        "epochs": epochs,
        "charts": charts,
        "win_rates": _win_rates(records, stored),
        "markers": [
            {"epoch": r["epoch"], "verdict": r.get("verdict"), "alarms": _alarms(r)}
            for r in records
        ],
        "gauntlets": {str(epoch): tournament_id for epoch, (tournament_id, _) in stored.items()},
    }


def _number(value) -> float | None:
    """A metric for a chart: None where it is missing or not finite (JSON has no NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _win_rates(records: list[dict], stored: dict[int, tuple[int, dict]]) -> dict[str, list]:
    """Per opponent, one point per epoch: win rate, Wilson interval, games, and where it
    was read (`store` or `metrics`); None for an epoch that did not meet the opponent."""
    rates: dict[str, list] = {}
    for index, record in enumerate(records):
        epoch = record["epoch"]
        found = stored.get(epoch, (None, {}))[1]
        source = "store"
        if not found:
            found, source = record.get("evaluation") or {}, "metrics"
        for opponent, row in found.items():
            if not isinstance(row, dict):
                continue
            series = rates.setdefault(opponent, [None] * len(records))
            series[index] = {
                "win_rate": _number(row.get("win_rate")),
                "low": _number(row.get("low")),
                "high": _number(row.get("high")),
                "games": row.get("games"),
                "source": source,
            }
    return dict(sorted(rates.items()))


def _stored_gauntlets(store: Store, run: str) -> dict[int, tuple[int, dict]]:
    """Epoch to (tournament id, the candidate's record per opponent) for every stored
    gauntlet of the run, read as any tournament's matrix is."""
    prefix = f"train:{run}:epoch-"
    found = [
        (t.id, t.name, t.config)
        for t in store.tournaments(TournamentKind.EPOCH_GAUNTLET)
        if t.name.startswith(prefix)
    ]
    gauntlets = {}
    for tournament_id, name, config in found:
        epoch = name.removeprefix(prefix)
        if not name.startswith(prefix) or not epoch.isdigit():
            continue
        me = _candidate(config)
        rows = cells(read(store, [tournament_id]))
        gauntlets[int(epoch)] = (
            tournament_id,
            {
                row.opponent: {
                    "win_rate": row.win_rate,
                    "low": row.low,
                    "high": row.high,
                    "games": row.games,
                }
                for row in rows
                if me is not None and (row.agent == me or row.agent.startswith(f"{me}@"))
            },
        )
    return gauntlets


def _candidate(config: str) -> str | None:
    """The name the gauntlet's candidate checkpoint plays under."""
    try:
        return agent_name(Path(json.loads(config)["candidate"]))
    except (KeyError, TypeError, ValueError):
        return None
