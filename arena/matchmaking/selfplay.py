"""Self-play: an agent against itself and against a few opponents, to make training data.

A self-play run is a tournament of kind `selfplay`, so it is stored, resumed and reported
like one; only its field and schedule differ. The agent meets a second player of itself
(the mirror seat) and each opponent, N games each in side-swapped pairs. Both mirror
seats carry the agent's one identity in the store, which is how reports know that such
a game holds no rating information. The agent samples at the run's temperature; the
opponents play as they do in tournaments.
"""

from pathlib import Path

from arena.errors import ArenaError
from arena.game.teams import load_pool
from arena.kinds import TournamentKind
from arena.matchmaking.schedule import Slot, build, check_even
from arena.matchmaking.tournament import TournamentConfig, TournamentRun
from arena.models.registry import AgentSpec, check_game_type, resolve
from arena.rating.ratings import LiveRatings
from arena.store.database import Store

KIND = TournamentKind.SELFPLAY  # the stored tournament's kind, and its config's mode


def mirror_seat(name: str) -> str:
    """The name the agent's second player plays under in its mirror games."""
    return f"{name}#2"


def field_specs(config: TournamentConfig) -> dict[str, AgentSpec]:
    """The agent twice (its two seats), then each opponent, keyed by the name they play
    under."""
    agent = resolve(config.agents[0], config.device, config.temperature)
    specs = {agent.name: agent, mirror_seat(agent.name): agent}
    for entry in config.agents[1:]:
        spec = resolve(entry, config.device)
        if spec.name == agent.name:
            raise ArenaError(f"--opponents: {entry!r} is the agent itself (it always plays itself)")
        if spec.name in specs:
            raise ArenaError(f"--opponents: {spec.name!r} is named twice")
        specs[spec.name] = spec
    return specs


def schedule(specs: dict[str, AgentSpec], config: TournamentConfig) -> list[Slot]:
    agent, _mirror, *opponents = specs
    matchups = [(agent, mirror_seat(agent)), *((agent, other) for other in opponents)]
    info, pool = load_pool(config.format, Path(config.teams) if config.teams else None)
    for spec in specs.values():
        check_game_type(spec, info, config.format)
    return build(matchups, config.games_per_pair, pool, config.seed)


def prepare(config: TournamentConfig, db: str | None) -> TournamentRun:
    """The run `config` asks for, new or resumed from the store at `db`; the store is
    opened only once the field and the schedule are known to be good."""
    check_even(config.games_per_pair, "--games")
    specs = field_specs(config)
    slots = schedule(specs, config)
    store = Store.open(db)
    tournament_id = _stored(store, config)
    return TournamentRun(config, tournament_id, specs, slots, store, LiveRatings())


def _stored(store: Store, config: TournamentConfig) -> int:
    """The run's id, creating it, or checking that a rerun asks for the same games."""

    def differs(stored: dict) -> list[str]:
        previous = TournamentConfig.from_json(stored)
        temperature = ["temperature"] if config.temperature != previous.temperature else []
        return config.schedule_differs(previous) + temperature

    return store.create_or_check(
        KIND,
        config.name,
        config.to_json(),
        differs,
        "rerun it as it was to resume it, or use a new --name",
    ).id
