"""One set-up for every tournament a command plays: the field resolved and checked, the
schedule built on the format's teams, and the stored row made or checked, so that a
rerun resumes the same games and never mixes in others.

`arena tournament`, `arena selfplay`, `arena evaluate`, a training run's epoch gauntlets,
a promotion's round robin of epochs and a lineage's loop all start here. They differ only
in their schedule (`matchups`, chosen by the config's mode) and the kind they store it as;
`arena battle` plays the same slots (`slots`) without storing them.
"""

from collections.abc import Callable
from pathlib import Path

from arena.game.teams import load_pool
from arena.kinds import TournamentKind
from arena.matchmaking import selfplay
from arena.matchmaking.schedule import Slot, build, pairings
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.tournament import TournamentConfig, TournamentRun, field_specs, stored_id
from arena.models.registry import AgentSpec, check_game_type, resolve
from arena.rating.live import LiveRatings
from arena.store.database import Store


def matchups(config: TournamentConfig, names: list[str]) -> list[tuple[str, str]]:
    """Who meets whom, by the config's mode; `names` are the field's, in its order.

    Self-play: the agent against its mirror seat and each opponent. An evaluation: the
    candidate against the incumbent, and both against each opponent, pairing by pairing
    interleaved. A gauntlet: the candidate against every other agent; a round robin:
    every pairing.
    """
    if config.mode == TournamentKind.SELFPLAY:
        agent, mirror, *opponents = names
        return [(agent, mirror), *((agent, other) for other in opponents)]
    if config.mode == TournamentKind.EVALUATION:
        candidate, incumbent, *opponents = names
        pairs = [(candidate, incumbent)]
        for other in opponents:
            pairs += [(candidate, other), (incumbent, other)]
        return pairs
    candidate = resolve(config.candidate).name if config.candidate else None
    return pairings(names, config.mode, candidate)


def slots(
    pairs: list[tuple[str, str]],
    games_per_pair: int,
    play: PlaySettings,
    specs: dict[str, AgentSpec],
) -> list[Slot]:
    """The games of `pairs`, in side-swapped pairs, on the settings' teams; an agent that
    cannot play the format's game type (a singles bot in doubles) is refused here."""
    info, pool = load_pool(play.format, Path(play.teams) if play.teams else None)
    for spec in specs.values():
        check_game_type(spec, info, play.format)
    return build(pairs, games_per_pair, pool, play.seed)


def tournament_run(
    config: TournamentConfig,
    open_store: Callable[[], Store],
    kind: TournamentKind = TournamentKind.TOURNAMENT,
    specs: dict[str, AgentSpec] | None = None,
    stored: Callable[[Store], int] | None = None,
) -> TournamentRun:
    """The run `config` asks for, new or resumed. The store is opened only once the field,
    the pairings and the teams are known to be good, so a mistyped command stores nothing;
    the run itself refuses an agent changed since it played here.

    An evaluation passes the field it has resolved and checked (`specs`) and its own
    stored row's tournament (`stored`); everyone else's are made here.
    """
    if specs is None:
        own = selfplay.field_specs if config.mode == TournamentKind.SELFPLAY else field_specs
        specs = own(config)
    games = slots(matchups(config, list(specs)), config.games_per_pair, config.play, specs)
    store = open_store()
    tournament_id = stored(store) if stored else stored_id(store, config, kind)
    return TournamentRun(config, tournament_id, specs, games, store, LiveRatings())
