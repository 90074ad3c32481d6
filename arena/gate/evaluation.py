"""Evaluation: is a candidate really stronger than the incumbent it would replace?

The candidate meets the incumbent in side-swapped pairs while both play a gauntlet of
opponents on the same teams, pair by pair interleaved. The pentanomial SPRT (`sprt`)
reads the head-to-head after every complete pair and stops the schedule once it
decides; the gauntlet and the fault counts then raise the alarms (`alarms`) that a
head-to-head alone cannot see. Its games are an ordinary tournament in the store, so a
rerun under the same name replays the stored games into the test and plays only what
is missing.
"""

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from arena import aio
from arena.errors import ArenaError
from arena.game.player import check_websocket_url
from arena.gate.alarms import Alarm, GauntletRow, fault_alarms, gauntlet, gauntlet_alarms
from arena.kinds import TournamentKind
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig, TournamentRun
from arena.models.registry import HEURISTICS, AgentSpec, resolve
from arena.rating.sprt import EloEstimate, bounds, check_hypotheses, elo_estimate, sprt
from arena.rating.stats import Outcome
from arena.report.leaderboard import outcomes as stored_outcomes
from arena.store.database import Store
from arena.store.tables import Evaluation

PROMOTE, REJECT, INCONCLUSIVE = "PROMOTE", "REJECT", "INCONCLUSIVE"
EXIT_CODES = {PROMOTE: 0, REJECT: 10, INCONCLUSIVE: 11}
VERDICTS = {"H1": PROMOTE, "H0": REJECT}


@dataclass(frozen=True)
class EvaluationConfig:
    """Everything that defines an evaluation; stored with it (flat, as a tournament's
    config is) so a rerun can resume it."""

    name: str
    candidate: str
    incumbent: str
    opponents: tuple[str, ...] | None  # None: the shipped heuristics
    elo0: float
    elo1: float
    alpha: float
    beta: float
    max_pairs: int
    play: PlaySettings

    DECIDING_FIELDS = (
        "candidate",
        "incumbent",
        "opponents",
        "elo0",
        "elo1",
        "alpha",
        "beta",
        "max_pairs",
        "format",
        "teams",
        "seed",
        "temperature",
    )

    def to_json(self) -> dict:
        data = asdict(self)
        play = data.pop("play")
        return {**data, **play}

    def differs(self, stored: dict) -> list[str]:
        mine = json.loads(json.dumps(self.to_json()))  # tuples as the store holds them
        return [f for f in self.DECIDING_FIELDS if mine[f] != stored.get(f)]

    def tournament(
        self,
        name: str,
        agents: tuple[str, ...],
        games_per_pair: int,
        mode: str,
        candidate: str | None = None,
    ) -> TournamentConfig:
        """A tournament played under this evaluation's settings."""
        return TournamentConfig(name, agents, games_per_pair, mode, candidate, self.play)


@dataclass(frozen=True)
class Lineup:
    """The agents resolved: who is tested against whom, and who else plays."""

    candidate: str
    incumbent: str
    opponents: tuple[str, ...]
    specs: dict[str, AgentSpec]

    @property
    def head_to_head(self) -> str:
        return f"{self.candidate} vs {self.incumbent}"


def resolve_lineup(config: EvaluationConfig) -> Lineup:
    """Resolves and checks the agents; an evaluation of an agent against itself is refused,
    whether by name, by the same checkpoint file or by the same bot class under two names."""
    device, temperature = config.play.device, config.play.temperature
    candidate = resolve(config.candidate, device, temperature)
    incumbent = resolve(config.incumbent, device, temperature)
    if _same_agent(candidate, incumbent):
        raise ArenaError(f"the candidate and the incumbent are the same agent ({candidate.name})")
    specs = {candidate.name: candidate, incumbent.name: incumbent}
    if config.opponents is None:
        names = [h for h in HEURISTICS if h not in specs]
    else:
        names = list(config.opponents)
        if not names:
            raise ArenaError("--opponents names no agent")
    opponents = []
    for entry in names:
        spec = resolve(entry, device, temperature)
        if spec.name in specs:
            raise ArenaError(f"--opponents: {spec.name!r} is already in the evaluation")
        specs[spec.name] = spec
        opponents.append(spec.name)
    return Lineup(candidate.name, incumbent.name, tuple(opponents), specs)


def _same_agent(a: AgentSpec, b: AgentSpec) -> bool:
    if a.sha256 is not None or b.sha256 is not None:
        return a.sha256 == b.sha256
    return a.name == b.name or a.player_class is b.player_class


def check_config(config: EvaluationConfig) -> None:
    check_hypotheses(config.elo0, config.elo1, config.alpha, config.beta)
    if config.max_pairs < 1:
        raise ArenaError(f"--max-pairs must be at least 1, got {config.max_pairs}")


class HeadToHead:
    """The head-to-head pairs as they complete, and the SPRT after each one.

    The verdict is taken at the first pair whose LLR crosses a bound: pairs that finish
    while the games in flight drain are recorded, but cannot overturn it.
    """

    def __init__(self, config: EvaluationConfig, lineup: Lineup):
        self.config, self.lineup = config, lineup
        self.halves: dict[tuple, float] = {}
        self.counts = [0] * 5
        self.trajectory: list[float] = []
        self.decision: str | None = None
        self.decided_at: int | None = None  # pairs complete when the test decided

    def add(self, outcome: Outcome) -> None:
        candidate, incumbent = self.lineup.candidate, self.lineup.incumbent
        if (outcome.a, outcome.b) == (candidate, incumbent):
            score = outcome.score
        elif (outcome.a, outcome.b) == (incumbent, candidate):
            score = 1 - outcome.score
        else:
            return
        unit = outcome.unit[-2:]  # (pairing, pair index), however the unit was tagged
        if unit not in self.halves:
            self.halves[unit] = score
            return
        self.counts[round(2 * (self.halves[unit] + score))] += 1
        c = self.config
        result = sprt(tuple(self.counts), c.elo0, c.elo1, c.alpha, c.beta)
        self.trajectory.append(result.llr)
        if self.decision is None and result.decision != "continue":
            self.decision, self.decided_at = result.decision, self.pairs

    @property
    def pairs(self) -> int:
        return sum(self.counts)


@dataclass
class EvaluationReport:
    """The verdict and the numbers behind it, as printed, stored and returned."""

    name: str
    candidate: str
    incumbent: str
    verdict: str | None  # None while unfinished (interrupted)
    status: str
    decided_at: int | None  # head-to-head pairs when the SPRT decided
    pairs: int
    max_pairs: int
    pentanomial: list[int]
    llr: float
    lower: float
    upper: float
    elo: EloEstimate
    gauntlet: list[GauntletRow] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.verdict, 130)


class EvaluationRun:
    """An evaluation ready to play: checked, stored, and caught up with its stored games."""

    def __init__(self, config: EvaluationConfig, open_store: Callable[[], Store], lineup: Lineup):
        self.config, self.lineup = config, lineup
        self.head_to_head = HeadToHead(config, lineup)
        self.run = tournament_run(
            config.tournament(
                f"evaluation:{config.name}",
                tuple(lineup.specs),
                2 * config.max_pairs,
                TournamentKind.EVALUATION,
                lineup.candidate,
            ),
            open_store,
            TournamentKind.EVALUATION,
            specs=lineup.specs,
            stored=self._stored,
        )
        self.store = self.run.store
        names = self.store.agent_names()
        for outcome in stored_outcomes(self.store.battles([self.row.tournament_id]), names):
            self.head_to_head.add(outcome)
        self.seen = 0
        if self.head_to_head.decision is not None:
            self.run.pending = []

    def _stored(self, store: Store) -> int:
        """The stored evaluation, made or checked; its games' tournament."""
        self.row = _stored(store, self.config)
        return self.row.tournament_id

    def _names(self) -> tuple[str, str, tuple[str, ...]]:
        return self.lineup.candidate, self.lineup.incumbent, self.lineup.opponents

    def after_game(self) -> None:
        """Feeds the newly finished games to the SPRT; a decision stops the schedule."""
        for outcome in self.run.outcomes[self.seen :]:
            self.head_to_head.add(outcome)
        self.seen = len(self.run.outcomes)
        if self.head_to_head.decision is not None:
            self.run.stop.set()

    async def play(self, websocket_url: str | None) -> None:
        previous = self.run.on_game

        def on_game(run: TournamentRun) -> None:
            self.after_game()
            if previous is not None:
                previous(run)

        self.run.on_game = on_game
        if self.run.pending:  # a resumed evaluation may have nothing left to play
            await self.run.play(websocket_url)

    def finish(self, interrupted: bool) -> EvaluationReport:
        """The verdict (unless interrupted before one), its numbers and alarms, stored."""
        h2h = self.head_to_head
        verdict = VERDICTS.get(h2h.decision)
        if verdict is None and not interrupted:
            verdict = INCONCLUSIVE
        status = "finished" if verdict else "interrupted"
        battles = self.store.battles([self.row.tournament_id])
        games = stored_outcomes(battles, self.store.agent_names())
        lower, upper = bounds(self.config.alpha, self.config.beta)
        report = EvaluationReport(
            name=self.config.name,
            candidate=self.lineup.candidate,
            incumbent=self.lineup.incumbent,
            verdict=verdict,
            status=status,
            decided_at=h2h.decided_at,
            pairs=h2h.pairs,
            max_pairs=self.config.max_pairs,
            pentanomial=list(h2h.counts),
            llr=h2h.trajectory[-1] if h2h.trajectory else 0.0,
            lower=lower,
            upper=upper,
            elo=elo_estimate(tuple(h2h.counts)),
            gauntlet=gauntlet(games, *self._names()),
        )
        report.alarms = gauntlet_alarms(report.gauntlet, self.lineup.specs) + fault_alarms(
            battles, self.store.agent_names(), self.lineup.candidate, self.lineup.incumbent
        )
        self.store.set_status(self.row.tournament_id, status)
        self.store.save_evaluation(
            self.row.id,
            status=status,
            verdict=verdict,
            pairs=h2h.pairs,
            llr=report.llr,
            pentanomial=json.dumps(h2h.counts),
            trajectory=json.dumps(h2h.trajectory),
            report=json.dumps(_stored_report(report)),
        )
        return report


def _stored_report(report: EvaluationReport) -> dict:
    """The report as stored: an Elo bound the pairs leave open (a sweep) is null, as JSON
    has no infinity."""
    data = asdict(report)
    data["elo"] = {k: v if math.isfinite(v) else None for k, v in data["elo"].items()}
    return data


def _stored(store: Store, config: EvaluationConfig):
    """The stored evaluation of this name, created now or checked to be the same test."""
    return store.create_or_check(
        TournamentKind.EVALUATION,
        config.name,
        config.to_json(),
        config.differs,
        "rerun it as it was, or use a new --name",
        row=Evaluation,
        create=lambda: store.create_evaluation(config.name, config.to_json()),
    )


def prepare(config: EvaluationConfig, store_url: str | None) -> EvaluationRun:
    """Checks everything a user can get wrong before the store is opened, so bad input
    leaves nothing behind, then stores (or finds) the evaluation."""
    check_config(config)
    return EvaluationRun(config, lambda: Store.open(store_url), resolve_lineup(config))


def evaluate(
    config: EvaluationConfig, store_url: str | None, websocket_url: str | None = None
) -> EvaluationReport:
    """Plays an evaluation to its verdict (or resumes one) without any display: the
    function other commands call."""
    if websocket_url is not None:
        check_websocket_url(websocket_url)
    prepared = prepare(config, store_url)
    aio.run(prepared.play(websocket_url))
    return prepared.finish(interrupted=False)
