"""Behaviour profiles: how often an agent does what in the situations that matter.

Each stored battle side an agent played is replayed decision by decision from its log
(`arena.models.neural.log_replay`), so the state judged is the one the agent decided
from; each situation of `arena.report.situations` that applies there counts once, and
counts as the behaviour when the choice is one it names. The choice comes from the
side's decision record (the slot arena sent, read against the same replayed state) or,
for battles without records (older stores, ladder opponents), from the first action
the protocol shows for that side after the request, the rule the training data's
action inference follows; a choice that never showed is left out of every situation.

Rates carry Wilson intervals, and two agents' rates a Newcombe interval on their
difference (`arena.rating.stats`), so "epoch 2 uses Rest when losing more than epoch 0"
is a statement with its uncertainty. Fallbacks (the default move standing in after a
timeout or an error) and invalid choices (orders the simulator refused) are counted per
decision beside them.
"""

from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, field

from poke_env.battle import Battle, Move, Pokemon
from poke_env.data import to_id_str

from arena.errors import ArenaError
from arena.game.choices import NOT_A_SLOT, Choice
from arena.models.neural.actions import slots
from arena.models.neural.log_replay import Routed, new_battle, route, username
from arena.rating.stats import rate_difference, wilson
from arena.report.situations import SITUATIONS, Key, Keys, move_key, switch_key
from arena.store.database import Store
from arena.store.tables import Battle as StoredBattle
from arena.store.tables import decode_choices, decompress_log

ROLES = ("p1", "p2")
FALLBACK = "every decision"  # the situation fallbacks and invalid choices are counted in
DEFAULT_BATTLES = 100  # the latest battles a profile reads unless told otherwise


@dataclass
class Decision:
    """One decision of one side: the situations it was in and what was chosen."""

    situations: dict[str, Keys]
    chosen: Key | None = None  # None: the choice never showed
    fallback: bool | None = None  # None: the side has no decision records


@dataclass
class Profile:
    """One agent's counts: per situation, (times it did the behaviour, times it came up)."""

    agent: str
    battles: int = 0
    decisions: int = 0
    unknown: int = 0  # decisions whose choice neither a record nor the protocol showed
    counts: dict[str, list[int]] = field(default_factory=dict)
    fallbacks: list[int] = field(default_factory=lambda: [0, 0])  # of recorded decisions
    invalid: list[int] = field(default_factory=lambda: [0, 0])  # of decisions (the store's)

    def add(self, decision: Decision) -> None:
        self.decisions += 1
        if decision.fallback is not None:
            self.fallbacks[0] += decision.fallback
            self.fallbacks[1] += 1
        if decision.chosen is None:
            self.unknown += 1
            return
        for name, keys in decision.situations.items():
            tally = self.counts.setdefault(name, [0, 0])
            tally[0] += decision.chosen in keys
            tally[1] += 1

    def rates(self) -> list["Rate"]:
        """Every situation in `SITUATIONS` order (0 of 0 where it never came up), then
        fallbacks and invalid choices."""
        rows = [
            Rate.of(self.agent, s.name, s.behaviour, *self.counts.get(s.name, (0, 0)))
            for s in SITUATIONS
        ]
        rows.append(Rate.of(self.agent, FALLBACK, "falls back to the default", *self.fallbacks))
        rows.append(Rate.of(self.agent, FALLBACK, "sends an invalid choice", *self.invalid))
        return rows

    def rate(self, situation: str, behaviour: str | None = None) -> "Rate":
        """The row of one situation (and behaviour, for the two of FALLBACK)."""
        for row in self.rates():
            if row.situation == situation and behaviour in (None, row.behaviour):
                return row
        raise KeyError(situation)


@dataclass(frozen=True)
class Rate:
    agent: str
    situation: str
    behaviour: str
    count: int  # times it did
    n: int  # times the situation came up
    rate: float  # NaN when it never came up
    low: float
    high: float

    @classmethod
    def of(cls, agent: str, situation: str, behaviour: str, count: int, n: int) -> "Rate":
        low, high = wilson(count, n)
        return cls(
            agent, situation, behaviour, count, n, count / n if n else float("nan"), low, high
        )


RATE_COLUMNS = list(Rate.__dataclass_fields__)


@dataclass(frozen=True)
class Difference:
    """Agent a's rate minus agent b's in one situation, with Newcombe's interval."""

    situation: str
    behaviour: str
    agent_a: str
    count_a: int
    n_a: int
    agent_b: str
    count_b: int
    n_b: int
    difference: float  # NaN when either never met the situation
    low: float
    high: float


@dataclass(frozen=True)
class Row:
    """One agent's rate in one situation and, for every agent after the first of a
    report, its difference from the first agent's (NaN for the first): the export's row."""

    agent: str
    situation: str
    behaviour: str
    count: int
    n: int
    rate: float
    low: float
    high: float
    versus: str
    difference: float
    difference_low: float
    difference_high: float


ROW_COLUMNS = list(Row.__dataclass_fields__)
NAN = float("nan")


def rows(profiles: list[Profile]) -> list[Row]:
    """Every profile's rates, the agents after the first set against the first."""
    first = profiles[0]
    result = [Row(*astuple(r), "", NAN, NAN, NAN) for r in first.rates()]
    for other in profiles[1:]:
        for r, d in zip(other.rates(), compare(other, first), strict=True):
            result.append(Row(*astuple(r), first.agent, d.difference, d.low, d.high))
    return result


def compare(a: Profile, b: Profile) -> list[Difference]:
    """Per situation, a's rate minus b's with its 95% interval."""
    result = []
    for ra, rb in zip(a.rates(), b.rates(), strict=True):
        difference, low, high = rate_difference(ra.count, ra.n, rb.count, rb.n)
        if not (ra.n and rb.n):
            difference = float("nan")
        result.append(
            Difference(
                ra.situation, ra.behaviour, a.agent, ra.count, ra.n, b.agent, rb.count, rb.n,
                difference, low, high,
            )
        )  # fmt: skip
    return result


# -- reading battles ---------------------------------------------------------------------


def profile(
    store: Store,
    agent: str,
    battles: int | None = DEFAULT_BATTLES,
    tournament_ids: list[int] | None = None,
) -> Profile:
    """The profile of the agent labelled `agent` (as `arena leaderboard` names it) over
    its latest `battles` stored battles (None: all), of the given tournaments or all."""
    ids = {label: agent_id for agent_id, label in store.agent_names().items()}
    if agent not in ids:
        raise ArenaError(f"no stored agent named {agent!r}")
    return profile_of_id(store, ids[agent], agent, battles, tournament_ids)


def profile_of_id(
    store: Store,
    agent_id: int,
    label: str,
    battles: int | None = DEFAULT_BATTLES,
    tournament_ids: list[int] | None = None,
) -> Profile:
    return profile_of_battles(store.battles_of(agent_id, battles, tournament_ids), agent_id, label)


def profile_of_battles(battles: Iterable[StoredBattle], agent_id: int, label: str) -> Profile:
    """The profile over `battles`, counting every side `agent_id` played."""
    result = Profile(label)
    for stored in battles:
        result.battles += 1
        for side, role in enumerate(ROLES):
            if getattr(stored, f"{role}_agent_id") != agent_id:
                continue
            for decision in side_decisions(stored, side):
                result.add(decision)
            result.invalid[0] += getattr(stored, f"{role}_invalid")
            result.invalid[1] += getattr(stored, f"{role}_decisions")
    return result


def side_decisions(stored: StoredBattle, side: int) -> list[Decision]:
    role = ROLES[side]
    log = decompress_log(getattr(stored, f"{role}_log"))
    if "|request|" not in log:  # no view of this side was recorded
        return []
    records = decode_choices(getattr(stored, f"{role}_choices"))
    return list(judge_log(log, stored.format, records, stored.battle_tag))


def judge_log(
    log: str, battle_format: str, records: list[Choice] | None, tag: str = "battle"
) -> Iterator[Decision]:
    """Every decision in one side's `log`, judged against `SITUATIONS`, with its choice.

    With `records`, a decision's choice is its record's (the last one for its request, a
    retried decision's); a decision without one was never put to the agent (a forfeit's
    default move) and counts as a fallback. Without, the protocol reveals the choice.
    """
    lines = log.split("\n")
    battle = new_battle(tag, battle_format, username(lines))
    by_rqid = None if records is None else {c.rqid: c for c in records}
    current: Decision | None = None
    revealing = False
    for line in lines:
        parts = line.split("|")
        routed = route(battle, parts)
        if routed is Routed.DECISION:
            if current is not None:
                yield current
            current, revealing = _judged(battle, by_rqid), by_rqid is None
        elif routed is Routed.STATE and revealing:
            chosen, revealing = _revealed(parts, battle.player_role)
            current.chosen = chosen
    if current is not None:
        yield current


def _judged(battle: Battle, by_rqid: dict[int | None, Choice] | None) -> Decision:
    situations = {s.name: keys for s in SITUATIONS if (keys := s.judge(battle)) is not None}
    if by_rqid is None:
        return Decision(situations)
    record = by_rqid.get(battle.last_request.get("rqid"))
    if record is None:
        return Decision(situations, None, True)
    return Decision(situations, _recorded(battle, record), record.fallback)


def _recorded(battle: Battle, record: Choice) -> Key | None:
    """The choice a record's slot stands for in the battle it was taken in."""
    if record.slot == NOT_A_SLOT:
        return None
    target = slots(battle)[record.slot]
    if isinstance(target, Move):
        return move_key(target)
    if isinstance(target, Pokemon):
        return switch_key(target)
    return None


def _revealed(parts: list[str], role: str | None) -> tuple[Key | None, bool]:
    """(the choice this line shows, whether to keep looking): the side's first `move` or
    `switch` line shows it; a `cant` or `faint` of the side means it never will."""
    if len(parts) < 3 or role is None or not parts[2].startswith(role):
        return None, True
    kind = parts[1]
    if kind in ("cant", "faint"):
        return None, False
    if kind == "move" and len(parts) > 3:
        return ("move", to_id_str(parts[3])), False
    if kind == "switch" and len(parts) > 3:
        return ("switch", to_id_str(parts[3].split(",")[0])), False
    return None, True
