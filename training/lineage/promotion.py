"""The promotion gate: a training run's best epoch against the champion it would replace.

The run's trained epochs first play a short round robin of their own (a stored
tournament, resumed by name) and are rated by Bradley–Terry with bootstrap intervals;
the candidate is the epoch with the highest lower bound, the one most surely strong
rather than the luckiest. The candidate then meets the incumbent in `arena evaluate`'s
SPRT under the promotion's name. The verdict, the chosen epoch and, on PROMOTE, the
lineage's new champion (its file by path and sha256, never a copy) are stored together.
Everything a user can get wrong is checked before the store is touched.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from arena import aio
from arena.errors import ArenaError, interrupted
from arena.game.player import check_websocket_url
from arena.game.teams import load_pool
from arena.gate.evaluation import (
    PROMOTE,
    EvaluationConfig,
    EvaluationReport,
    check_config,
    prepare,
    resolve_lineup,
)
from arena.kinds import TournamentKind
from arena.matchmaking.schedule import check_even
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentRun
from arena.models.neural.checkpoint import EPOCH_FILE, agent_name, sha256
from arena.models.registry import resolve
from arena.rating.ratings import bradley_terry
from arena.report.leaderboard import outcomes
from arena.store.database import Store
from arena.store.tables import Generation, Promotion

ROUND_ROBIN_GAMES = 4  # games per pairing of epochs: two side-swapped pairs

# How a stored run's games are played: given the run and what starts its play, it plays
# and says whether it was interrupted (a command passes one with a live view that drains
# the games in flight on Ctrl-C; everything finished is stored either way).
Play = Callable[[TournamentRun, Callable[[], Awaitable[None]]], bool]


def play_quietly(run: TournamentRun, start: Callable[[], Awaitable[None]]) -> bool:
    aio.run(start())
    return False


@dataclass(frozen=True)
class PromotionConfig:
    """A promotion: the run, the round robin of its epochs, and the evaluation (whose
    candidate is filled in once the round robin has chosen it)."""

    run: str
    evaluation: EvaluationConfig
    games_per_pair: int = ROUND_ROBIN_GAMES
    lineage: str | None = None

    @property
    def name(self) -> str:
        return self.evaluation.name

    def to_json(self) -> dict:
        """What a rerun must ask for again to resume it (not how fast or where it plays)."""
        data = {**asdict(self), "evaluation": self.evaluation.to_json()}
        for key in ("candidate", "concurrency", "device", "transport"):
            data["evaluation"].pop(key)
        return data


@dataclass(frozen=True)
class EpochRating:
    """An epoch's Bradley–Terry Elo and 95% interval (None: a lone epoch, not rated)."""

    epoch: int
    agent: str
    elo: float | None
    low: float | None
    high: float | None


@dataclass
class PromotionReport:
    name: str
    run: str
    ranking: list[EpochRating]  # best first; one row without ratings for a single epoch
    epoch: int
    candidate: str
    candidate_sha256: str
    evaluation: EvaluationReport
    champion: str | None  # the lineage's champion after the verdict (None: no lineage)


def trained_epochs(run: Path) -> dict[int, Path]:
    """The run's checkpoints after epoch 0 (epoch 0 is the policy it started from)."""
    if not run.is_dir():
        raise ArenaError(f"unknown run directory {run}")
    epochs = {int(m.group(1)): p for p in run.iterdir() if (m := EPOCH_FILE.search(p.name))}
    trained = {epoch: path.resolve() for epoch, path in sorted(epochs.items()) if epoch > 0}
    if not trained:
        raise ArenaError(f"{run} holds no trained checkpoint (policy_epoch_N.pt with N >= 1)")
    return trained


@dataclass(frozen=True)
class Checked:
    """A promotion whose input has been checked: its epochs and the incumbent's hash."""

    config: PromotionConfig
    epochs: dict[int, Path]
    incumbent_sha256: str | None


def check(config: PromotionConfig) -> Checked:
    """Every refusal a promotion can meet, before anything is stored or played."""
    epochs = trained_epochs(Path(config.run))
    check_even(config.games_per_pair, "--games-per-pair")
    evaluation = config.evaluation
    check_config(evaluation)
    play = evaluation.play
    incumbent = resolve(evaluation.incumbent, play.device, play.temperature)
    for epoch, path in epochs.items():
        if incumbent.sha256 is not None and sha256(path) == incumbent.sha256:
            raise ArenaError(
                f"the incumbent is epoch {epoch} of {config.run}: a candidate cannot be "
                "tested against itself"
            )
    resolve_lineup(replace(evaluation, candidate=str(next(iter(epochs.values())))))
    load_pool(play.format, Path(play.teams) if play.teams else None)
    return Checked(config, epochs, incumbent.sha256)


def _stored(store: Store, checked: Checked) -> Promotion:
    config = checked.config
    mine = json.loads(json.dumps(config.to_json()))
    return store.create_or_check(
        TournamentKind.PROMOTION,
        config.name,
        mine,
        lambda stored: [] if stored == mine else ["settings"],
        "rerun it as it was, or use a new --name",
        what="promotion",
        row=Promotion,
        create=lambda: store.create_promotion(
            name=config.name,
            run=str(Path(config.run).resolve()),
            config=json.dumps(mine, sort_keys=True),
            incumbent=config.evaluation.incumbent,
            incumbent_sha256=checked.incumbent_sha256,
        ),
    )


def _check_lineage(store: Store, checked: Checked) -> None:
    """A promotion within a lineage tests against its champion, and nothing else (a
    rerun of a stored promotion may find its own candidate promoted since)."""
    name = checked.config.lineage
    if name is None or store.promotion(checked.config.name) is not None:
        return
    lineage = store.lineage(name)
    if lineage is not None and lineage.champion_sha256 != checked.incumbent_sha256:
        raise ArenaError(
            f"the incumbent is not the champion of lineage {name!r} ({lineage.champion})"
        )


def _generation(store: Store, checked: Checked) -> Generation | None:
    """The lineage generation this promotion decides: the one the loop made for the run,
    or a new one; None without a lineage."""
    config = checked.config
    if config.lineage is None:
        return None
    run = str(Path(config.run).resolve())
    lineage = store.lineage(config.lineage) or store.create_lineage(
        name=config.lineage,
        champion=config.evaluation.incumbent,
        champion_sha256=checked.incumbent_sha256,
    )
    generations = store.generations(lineage.id)
    found = next((g for g in generations if g.run == run), None)
    if found is not None:
        return found
    return store.create_generation(
        lineage_id=lineage.id,
        number=len(generations) + 1,
        stage="promote",
        parent=config.evaluation.incumbent,
        parent_sha256=checked.incumbent_sha256,
        run=run,
    )


def rank_epochs(
    checked: Checked,
    store: Store,
    promotion: Promotion,
    websocket_url: str | None,
    play: Play = play_quietly,
) -> list[EpochRating]:
    """The epochs' round robin played (or resumed) and rated, best lower bound first."""
    epochs, evaluation = checked.epochs, checked.config.evaluation
    if len(epochs) == 1:
        ((epoch, path),) = epochs.items()
        return [EpochRating(epoch, agent_name(path), None, None, None)]
    config = evaluation.tournament(
        f"promotion:{checked.config.name}:epochs",
        tuple(str(p) for p in epochs.values()),
        checked.config.games_per_pair,
        "round-robin",
    )
    run = tournament_run(config, lambda: store, TournamentKind.PROMOTION)
    tournament_id = run.tournament_id
    if promotion.tournament_id is None:
        store.save_promotion(promotion.id, tournament_id=tournament_id)
    if run.pending and play(run, lambda: run.play(websocket_url)):
        store.set_status(tournament_id, "interrupted")
        raise interrupted(config.name)
    store.set_status(tournament_id, "finished")
    names = {agent_id: name for name, agent_id in run.agent_ids.items()}
    ratings = bradley_terry(outcomes(store.battles([tournament_id]), names), anchor=None)
    by_name = {agent_name(p): epoch for epoch, p in epochs.items()}
    ranking = [
        EpochRating(by_name[name], name, r.elo, r.low, r.high) for name, r in ratings.items()
    ]
    return sorted(ranking, key=lambda r: (r.low, r.elo, r.epoch), reverse=True)


def promote(
    config: PromotionConfig,
    store_url: str | None,
    websocket_url: str | None = None,
    play: Play = play_quietly,
) -> PromotionReport:
    """Ranks the run's epochs, tests the best against the incumbent, records the verdict
    and, on PROMOTE within a lineage, its new champion. A rerun under the same name
    resumes whichever part was interrupted."""
    if websocket_url is not None:
        check_websocket_url(websocket_url)
    checked = check(config)
    store = Store.open(store_url)
    _check_lineage(store, checked)
    promotion = _stored(store, checked)
    generation = _generation(store, checked)
    ranking = rank_epochs(checked, store, promotion, websocket_url, play)
    chosen = ranking[0].epoch
    path = checked.epochs[chosen]
    digest = sha256(path)
    store.save_promotion(promotion.id, epoch=chosen, candidate=str(path), candidate_sha256=digest)
    evaluation = prepare(replace(config.evaluation, candidate=str(path)), store_url)
    stopped = play(evaluation.run, lambda: evaluation.play(websocket_url))
    report = evaluation.finish(stopped)
    if report.verdict is None:
        raise interrupted(f"evaluation {config.name!r}")
    promoted = report.verdict == PROMOTE
    champion = (str(path), digest) if promoted and generation is not None else None
    evaluation_id = store.evaluation(config.name).id
    generation_id = generation.id if generation is not None else None
    store.finish_promotion(promotion.id, report.verdict, evaluation_id, generation_id, champion)
    lineage = store.lineage(config.lineage) if config.lineage else None
    return PromotionReport(
        name=config.name,
        run=config.run,
        ranking=ranking,
        epoch=chosen,
        candidate=str(path),
        candidate_sha256=digest,
        evaluation=report,
        champion=lineage.champion if lineage else None,
    )
