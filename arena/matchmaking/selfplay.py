"""Self-play: an agent against itself and against a few opponents, to make training data.

A self-play run is a tournament of kind `selfplay`, set up, stored, resumed and reported
like one (`setup`); only its field (here) and schedule (`setup.matchups`) differ. The
agent meets a second player of itself (the mirror seat) and each opponent, N games each
in side-swapped pairs. Both mirror
seats carry the agent's one identity in the store, which is how reports know that such
a game holds no rating information. The agent samples at the run's temperature; the
opponents play as they do in tournaments.
"""

from arena.errors import ArenaError
from arena.kinds import TournamentKind
from arena.matchmaking.tournament import TournamentConfig
from arena.models.registry import AgentSpec, resolve

KIND = TournamentKind.SELFPLAY  # the stored tournament's kind, and its config's mode


def mirror_seat(name: str) -> str:
    """The name the agent's second player plays under in its mirror games."""
    return f"{name}#2"


def field_specs(config: TournamentConfig) -> dict[str, AgentSpec]:
    """The agent twice (its two seats), then each opponent, keyed by the name they play
    under."""
    agent = resolve(config.agents[0], config.play.device, config.play.temperature)
    specs = {agent.name: agent, mirror_seat(agent.name): agent}
    for entry in config.agents[1:]:
        spec = resolve(entry, config.play.device)
        if spec.name == agent.name:
            raise ArenaError(f"--opponents: {entry!r} is the agent itself (it always plays itself)")
        if spec.name in specs:
            raise ArenaError(f"--opponents: {spec.name!r} is named twice")
        specs[spec.name] = spec
    return specs
