"""Position suites: what an agent chooses in stored positions, scored per theme.

Chess engines are measured on suites of positions with known best moves (WAC, STS); a
suite here is the same for Showdown battles. A position is one side's stored protocol
log up to one of its decisions, replayed into a poke-env Battle as that player saw it
(`arena.models.neural.log_replay`); the agent is asked for its choice there and nothing
is played on, so a position costs one decision, never a battle, and every agent meets
exactly the same state. The log travels with the suite (a file beside it, plain or
gzip), so a suite works without the store its battles came from. The file format is in
the README (`arena probe`); the shipped suite is `config/probes/gen1ou.yaml`.
"""

import asyncio
import gzip
import inspect
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from poke_env.battle import Battle, Move, Pokemon
from poke_env.data import to_id_str
from poke_env.player import BattleOrder, Player, SingleBattleOrder

from arena.config import CONFIG_DIR
from arena.errors import ArenaError
from arena.models.chance import deciding, route_poke_env_draws, side_random
from arena.models.neural.log_replay import decisions, new_battle, username
from arena.models.registry import AgentSpec

SHIPPED_SUITE = CONFIG_DIR / "probes" / "gen1ou.yaml"
POSITION_KEYS = {"id", "theme", "log", "decision", "acceptable", "reason"}


@dataclass(frozen=True)
class Position:
    """One stored decision and the choices that count as right there."""

    id: str
    theme: str
    log: Path  # the side's protocol lines, up to this decision at least
    decision: int  # 1 = the side's first request that asked for a choice
    acceptable: frozenset[str]  # "move <id>" or "switch <species id>"
    reason: str
    turn: int | None = None
    checked: str = ""
    source: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    format: str
    positions: tuple[Position, ...]

    @property
    def themes(self) -> list[str]:
        return list(dict.fromkeys(p.theme for p in self.positions))


@dataclass(frozen=True)
class Answer:
    position: Position
    choice: str

    @property
    def right(self) -> bool:
        return self.choice in self.position.acceptable


def load_suite(path: Path) -> Suite:
    """A suite file, checked: a missing key or log is one line naming the position."""
    if not path.is_file():
        raise ArenaError(f"no suite file {path}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ArenaError(f"{path}: not YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("positions"), list):
        raise ArenaError(f"{path}: a suite needs `format` and a list of `positions`")
    return Suite(
        path.stem,
        str(data.get("format", "gen1ou")),
        tuple(_position(path, entry) for entry in data["positions"]),
    )


def _position(path: Path, entry) -> Position:
    missing = POSITION_KEYS - set(entry) if isinstance(entry, dict) else POSITION_KEYS
    name = entry.get("id", "?") if isinstance(entry, dict) else "?"
    if missing:
        raise ArenaError(f"{path}: position {name} lacks {', '.join(sorted(missing))}")
    log = path.parent / entry["log"]
    if not log.is_file():
        raise ArenaError(f"{path}: position {name}: no log file {log}")
    return Position(
        id=str(name),
        theme=str(entry["theme"]),
        log=log,
        decision=int(entry["decision"]),
        acceptable=frozenset(entry["acceptable"]),
        reason=str(entry["reason"]),
        turn=entry.get("turn"),
        checked=str(entry.get("checked", "")),
        source=dict(entry.get("source") or {}),
    )


def read_log(path: Path) -> list[str]:
    """A position's log lines: plain text, or gzip (`.gz`), which keeps a suite small."""
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode().splitlines()
    return path.read_text().splitlines()


def battle_at(position: Position, battle_format: str) -> Battle:
    """The battle as the side saw it at the position's decision."""
    lines = read_log(position.log)
    battle = new_battle(f"probe-{position.id}", battle_format, username(lines))
    for count, state in enumerate(decisions(battle, lines), start=1):
        if count == position.decision:
            if position.turn is not None and state.turn != position.turn:
                raise ArenaError(
                    f"position {position.id}: decision {count} is at turn {state.turn}, "
                    f"the suite says {position.turn}"
                )
            return state
    raise ArenaError(
        f"position {position.id}: its log holds fewer than {position.decision} decisions"
    )


def label(order: BattleOrder) -> str:
    """An order as the suite writes choices: `move <id>`, `switch <species id>`, or
    `default` for anything else (the default move, a gimmick)."""
    if isinstance(order, SingleBattleOrder):
        if isinstance(order.order, Move):
            return f"move {order.order.id}"
        if isinstance(order.order, Pokemon):
            return f"switch {to_id_str(order.order.species)}"
    return "default"


def legal_choices(battle: Battle) -> list[str]:
    """Every choice the request allowed, in the suite's words."""
    moves = [f"move {m.id}" for m in battle.available_moves]
    return moves + [f"switch {to_id_str(p.species)}" for p in battle.available_switches]


async def _choose(player: Player, battle: Battle, seed: str) -> str:
    with deciding(side_random(seed, battle.player_role or "p1")):
        order = player.choose_move(battle)
        if inspect.isawaitable(order):
            order = await order
    return label(order)


async def _answers(agent: AgentSpec, suite: Suite) -> list[Answer]:
    route_poke_env_draws()
    player = agent.player_class(battle_format=suite.format, start_listening=False)
    answers = []
    for position in suite.positions:
        battle = battle_at(position, suite.format)
        choice = await _choose(player, battle, f"{suite.name}|{position.id}")
        answers.append(Answer(position, choice))
    return answers


def probe(agent: AgentSpec, suite: Suite) -> list[Answer]:
    """The agent's choice at every position of the suite, without playing on."""
    return asyncio.run(_answers(agent, suite))


@dataclass(frozen=True)
class ThemeScore:
    theme: str
    right: int
    total: int


def scores(answers: list[Answer], themes: list[str]) -> list[ThemeScore]:
    """Right answers per theme, in the suite's order, then the whole suite as `all`."""
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for answer in answers:
        for theme in (answer.position.theme, "all"):
            total[theme] += 1
            right[theme] += answer.right
    return [ThemeScore(t, right[t], total[t]) for t in [*themes, "all"]]
