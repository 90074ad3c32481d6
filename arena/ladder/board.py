"""The local board: a PokéAgent-style ladder on a local server, to rate a bot before
submitting it.

Baseline bots ladder under fixed accounts (`board-<agent>`), so a board stopped and
started again continues the same history: its games are the store's ladder games of the
`local` server in the board's format, whoever played them (the baselines, and every
`arena ladder AGENT --server local` run against them). The board ranks accounts by
full-history Bradley–Terry, as the public board ranks by its Skill Rating, with the
scale shifted so that the heuristics sit, on average, where the public board has them.
"""

from arena.models.registry import HEURISTICS, SEARCH_RUNGS
from arena.models.shipped import BASE, BASE_CHECKPOINT
from arena.report.leaderboard import ELIGIBLE_GAMES, LadderStanding, ladder_standings
from arena.store.tables import Battle

SERVER = "local"  # the ladder name board games are stored under, as `--server local`'s
ACCOUNT_PREFIX = "board-"
# Where the public PokéAgent board had these heuristics (Gen 1 OU qualifier, Oct 2025,
# Elo; PokeEnvHeuristic is poke-env's SimpleHeuristicsPlayer). Elo, not Skill Rating:
# the public page does not list the heuristics' Skill Ratings.
PUBLIC_RATINGS = {"gen1ou": {"grunt": 1242.0, "simple-heuristic": 1232.0, "gym-leader": 1170.0}}


def default_pool() -> tuple[str, ...]:
    """Every shipped heuristic, the search agent's rungs (baselines that stay hard once a
    bot beats the heuristics), and the base model once it is built."""
    return HEURISTICS + SEARCH_RUNGS + ((BASE,) if BASE_CHECKPOINT.is_file() else ())


def account(agent: str, prefix: str = ACCOUNT_PREFIX) -> str:
    """The board's fixed account for a baseline (Showdown names: 18 characters)."""
    stem = "".join(ch for ch in agent if ch.isalnum() or ch == "-")
    return (prefix + stem)[:18]


def anchors(battle_format: str, pool: tuple[str, ...], prefix: str) -> dict[str, float]:
    """Board accounts and the public ratings their scale is shifted to (none for a
    format the public board has no heuristics' numbers for)."""
    public = PUBLIC_RATINGS.get(battle_format, {})
    return {account(agent, prefix): public[agent] for agent in pool if agent in public}


def board_standings(
    battles: list[Battle],
    kinds: dict[int, tuple[str, str]],
    battle_format: str,
    pool: tuple[str, ...],
    prefix: str = ACCOUNT_PREFIX,
    min_games: int = ELIGIBLE_GAMES,
) -> list[LadderStanding]:
    """The board: every account's record on the local ladder in `battle_format`."""
    games = [b for b in battles if b.ladder == SERVER and b.format == battle_format]
    return ladder_standings(games, kinds, min_games, anchors(battle_format, pool, prefix))
