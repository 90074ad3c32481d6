"""One set-up for every tournament a command plays: the field resolved and checked, the
schedule built on the format's teams, and the stored row made or checked, so that a
rerun resumes the same games and never mixes in others.

`arena tournament`, a training run's epoch gauntlets and a promotion's round robin of
epochs all start here; they differ only in the config and the kind they store it as.
"""

from collections.abc import Callable
from pathlib import Path

from arena.game.teams import load_pool
from arena.kinds import TournamentKind
from arena.matchmaking.schedule import build, pairings
from arena.matchmaking.tournament import TournamentConfig, TournamentRun, field_specs, stored_id
from arena.models.registry import check_game_type, resolve
from arena.rating.ratings import LiveRatings
from arena.store.database import Store


def tournament_run(
    config: TournamentConfig,
    open_store: Callable[[], Store],
    kind: TournamentKind = TournamentKind.TOURNAMENT,
) -> TournamentRun:
    """The run `config` asks for, new or resumed. The store is opened only once the field,
    the pairings and the teams are known to be good, so a mistyped command stores nothing;
    the run itself refuses an agent changed since it played here."""
    specs = field_specs(config)
    candidate = resolve(config.candidate).name if config.candidate else None
    matchups = pairings(list(specs), config.mode, candidate)
    info, pool = load_pool(config.format, Path(config.teams) if config.teams else None)
    for spec in specs.values():
        check_game_type(spec, info, config.format)
    store = open_store()
    tournament_id = stored_id(store, config, kind)
    slots = build(matchups, config.games_per_pair, pool, config.seed)
    return TournamentRun(config, tournament_id, specs, slots, store, LiveRatings())
