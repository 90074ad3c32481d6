"""Each epoch's checkpoint, played: a gauntlet through arena's own tournament runner.

The gauntlet is an ordinary stored tournament (`train:NAME:epoch-N`), so its battles are
in the store like any other, a killed evaluation resumes where it stopped, and the
games can feed the next dataset. From the stored battles come, per opponent, the win
rate with a Wilson 95% interval and the candidate's invalid and fallback rates, and
three flags:
- saturated: the opponent is beaten ≥ 95% with the interval's lower bound ≥ 90%: it
  carries no signal any more;
- regression: this epoch's win rate fell below epoch 0's against that opponent beyond
  chance (the difference's 95% interval lies wholly below zero);
saturation and regression are the promotion gate's own (`arena.gate.alarms`), on the same
counts;
- valid-action decline: the share of the candidate's decisions that were neither
  invalid nor a fallback fell below epoch 0's by more than VALID_DECLINE (0.1 point).
"""

import asyncio
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from arena.config import defaults
from arena.gate.alarms import regressed, saturated
from arena.kinds import TournamentKind
from arena.matchmaking.schedule import check_even
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig
from arena.rating.stats import win_rate_matrix
from arena.report.leaderboard import outcomes
from arena.store.database import Store

DEFAULT_OPPONENTS = ("simple-heuristic", "gym-leader", "max-power")
PLAY = PlaySettings.defaults("train")
VALID_DECLINE = 0.001


@dataclass(frozen=True)
class EvalSettings:
    """The epoch gauntlets, as a run stores them (its play settings are the `train`
    section's defaults but for these)."""

    opponents: tuple[str, ...] = DEFAULT_OPPONENTS
    games: int = defaults()["train"]["eval_games"]
    battle_format: str = PLAY.format
    db: str | None = None
    server: str | None = None  # websocket URL; None starts a local server per gauntlet
    concurrency: int = PLAY.concurrency
    seed: int = PLAY.seed

    def play(self) -> PlaySettings:
        return replace(
            PLAY, format=self.battle_format, concurrency=self.concurrency, seed=self.seed
        )


@dataclass(frozen=True)
class OpponentResult:
    opponent: str
    games: int
    win_rate: float
    low: float
    high: float
    invalid_rate: float
    fallback_rate: float
    saturated: bool = False
    regression: bool = False
    valid_decline: bool = False


def tournament_name(run: str, epoch: int) -> str:
    return f"train:{run}:epoch-{epoch}"


def gauntlet(run: str, epoch: int, candidate: Path, opponents: list[str], settings) -> dict:
    """Plays (or resumes) the epoch's gauntlet; per-opponent results by name."""
    # here, not at the top: the checkpoint module imports torch, which `arena train --help` skips
    from arena.models.neural.checkpoint import agent_name

    check_even(settings.games, "--eval-games")
    config = TournamentConfig(
        name=tournament_name(run, epoch),
        agents=(str(candidate), *opponents),
        games_per_pair=settings.games,
        mode="gauntlet",
        candidate=str(candidate),
        play=settings.play(),
    )
    tournament = tournament_run(
        config, lambda: Store.open(settings.db), TournamentKind.EPOCH_GAUNTLET
    )
    asyncio.run(tournament.play(settings.server))
    store, tournament_id = tournament.store, tournament.tournament_id
    store.set_status(tournament_id, "finished")
    return {r.opponent: asdict(r) for r in results(store, tournament_id, agent_name(candidate))}


def results(store: Store, tournament_id: int, me: str) -> list[OpponentResult]:
    battles = store.battles([tournament_id])
    names = store.agent_names()
    # The store tells apart agents of one name (the same checkpoint sampled at another
    # temperature elsewhere): the candidate is this tournament's agent of that name.
    me = next((names[a.id] for a in store.tournament_agents(tournament_id) if a.name == me), me)
    cells = win_rate_matrix(outcomes(battles, names))
    rows = []
    for (agent, opponent), cell in sorted(cells.items()):
        if agent != me:
            continue
        decisions = invalid = fallback = 0
        for b in battles:
            for prefix, agent_id in (("p1_", b.p1_agent_id), ("p2_", b.p2_agent_id)):
                if names[agent_id] == me and opponent in (
                    names[b.p1_agent_id],
                    names[b.p2_agent_id],
                ):
                    decisions += getattr(b, prefix + "decisions")
                    invalid += getattr(b, prefix + "invalid")
                    fallback += getattr(b, prefix + "timeouts") + getattr(b, prefix + "errors")
        rows.append(
            OpponentResult(
                opponent=opponent,
                games=cell.games,
                win_rate=cell.rate,
                low=cell.low,
                high=cell.high,
                invalid_rate=invalid / max(decisions, 1),
                fallback_rate=fallback / max(decisions, 1),
                saturated=saturated(cell.wins + cell.ties / 2, cell.games),
            )
        )
    return rows


def flag(current: dict, baseline: dict | None) -> dict:
    """`current` with regression and valid-action decline set against epoch 0's results."""
    flagged = {}
    for opponent, row in current.items():
        base = (baseline or {}).get(opponent)
        row = dict(row)
        if base is not None:
            row["regression"] = regressed(
                row["win_rate"] * row["games"],
                row["games"],
                base["win_rate"] * base["games"],
                base["games"],
            )
            valid = 1 - row["invalid_rate"] - row["fallback_rate"]
            valid_before = 1 - base["invalid_rate"] - base["fallback_rate"]
            row["valid_decline"] = valid < valid_before - VALID_DECLINE
        flagged[opponent] = row
    return flagged


def score(evaluation: dict) -> float:
    """An epoch's strength: its mean win rate over the opponents every epoch faced."""
    rates = [row["win_rate"] for row in evaluation.values()]
    return sum(rates) / len(rates) if rates else float("nan")


def best_epoch(history: list[dict], common: tuple[str, ...]) -> int | None:
    """The epoch with the highest mean win rate against `common` opponents."""
    scored = [
        (score({k: v for k, v in h["evaluation"].items() if k in common}), h["epoch"])
        for h in history
        if h.get("evaluation")
    ]
    return max(scored)[1] if scored else None


def alarms(evaluation: dict) -> list[str]:
    """Short words for the flags that are up, e.g. "saturated vs max-power"."""
    words = []
    for opponent, row in evaluation.items():
        for key, label in (
            ("saturated", "saturated"),
            ("regression", "regression"),
            ("valid_decline", "valid-action decline"),
        ):
            if row.get(key):
                words.append(f"{label} vs {opponent}")
    return words
