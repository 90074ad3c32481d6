"""A battle told for a person: who used what, damage as a share of HP, switches,
status, faints and the winner, turn by turn, read from one side's protocol log.

HP is tracked per Pokémon from the protocol's `hp/max` figures, so damage is the drop
in the share of maximum HP (the opponent's side is sent in percent, one's own in
points: both read the same way here). Lines the narration does not know are skipped:
`--raw` is there for the whole protocol.
"""

from dataclasses import dataclass, field

STATUS = {
    "brn": "is burned",
    "par": "is paralysed",
    "slp": "falls asleep",
    "frz": "is frozen",
    "psn": "is poisoned",
    "tox": "is badly poisoned",
}
REMARKS = {
    "-crit": "a critical hit",
    "-supereffective": "it is super effective",
    "-resisted": "it is not very effective",
    "-immune": "it has no effect",
    "-miss": "it misses",
    "-fail": "it fails",
}


@dataclass
class _Battle:
    players: dict[str, str] = field(default_factory=dict)  # "p1" → username
    hp: dict[str, float] = field(default_factory=dict)  # "p1: Snorlax" → share of max HP
    lines: list[str] = field(default_factory=list)
    hp_before_turns: list[dict[str, float]] = field(default_factory=list)  # at each `turn`


def _who(ident: str) -> str:
    """`p2a: Tauros` → `Tauros (p2)`."""
    side, _, name = ident.partition(": ")
    return f"{name} ({side[:2]})"


def _key(ident: str) -> str:
    side, _, name = ident.partition(": ")
    return f"{side[:2]}: {name}"


def _share(condition: str) -> float:
    """`213/313 par` → 0.68; `0 fnt` → 0."""
    figure = condition.split()[0]
    if "/" not in figure:
        return 0.0
    now, _, top = figure.partition("/")
    return float(now) / float(top)


def _source(parts: list[str]) -> str:
    for part in parts:
        if part.startswith("[from]"):
            source = part.removeprefix("[from]").strip()
            return " from " + source.removeprefix("item: ").removeprefix("move: ")
    return ""


def _hp_change(state: _Battle, parts: list[str], verb: str) -> None:
    ident, condition = parts[0], parts[1]
    key = _key(ident)
    before, after = state.hp.get(key, 1.0), _share(condition)
    state.hp[key] = after
    change = abs(before - after)
    state.lines.append(
        f"  {_who(ident)} {verb} {change:.0%}{_source(parts[2:])} ({after:.0%} left)"
    )


def _line(state: _Battle, kind: str, parts: list[str]) -> None:
    say = state.lines.append
    if kind == "player" and len(parts) >= 2 and parts[1]:
        state.players[parts[0]] = parts[1]
    elif kind == "turn":
        say(f"Turn {parts[0]}")
    elif kind in ("switch", "drag"):
        state.hp[_key(parts[0])] = _share(parts[2])
        verb = "sends out" if kind == "switch" else "is forced to bring in"
        player = state.players.get(parts[0][:2], parts[0][:2])
        say(f"  {player} {verb} {_who(parts[0])} ({_share(parts[2]):.0%})")
    elif kind == "move":
        target = parts[2] if len(parts) > 2 and parts[2] and parts[2] != parts[0] else ""
        say(f"  {_who(parts[0])} uses {parts[1]}" + (f" on {_who(target)}" if target else ""))
    elif kind == "-damage":
        _hp_change(state, parts, "loses")
    elif kind == "-heal":
        _hp_change(state, parts, "regains")
    elif kind in REMARKS:
        say(f"    {REMARKS[kind]}")
    elif kind == "-status":
        say(f"  {_who(parts[0])} {STATUS.get(parts[1], 'gets ' + parts[1])}{_source(parts[2:])}")
    elif kind == "-curestatus":
        say(f"  {_who(parts[0])} is cured of {parts[1]}")
    elif kind == "cant":
        say(f"  {_who(parts[0])} cannot move ({parts[1]})")
    elif kind in ("-boost", "-unboost"):
        direction = "rises" if kind == "-boost" else "falls"
        say(f"  {_who(parts[0])}'s {parts[1]} {direction} by {parts[2]}")
    elif kind == "-start":
        say(f"  {_who(parts[0])}: {parts[1].removeprefix('move: ')} starts")
    elif kind == "-end":
        say(f"  {_who(parts[0])}: {parts[1].removeprefix('move: ')} ends")
    elif kind == "-mustrecharge":
        say(f"  {_who(parts[0])} must recharge")
    elif kind == "faint":  # also after a move with no damage line (Explosion's user)
        state.hp[_key(parts[0])] = 0.0
        say(f"  {_who(parts[0])} faints")
    elif kind == "win":
        say(f"{parts[0]} wins")
    elif kind == "tie":
        say("The battle ends in a tie")


def narrate(log: str) -> list[str]:
    """The battle in `log` (one side's protocol, as stored) as lines of plain English."""
    return _read(log).lines


def hp_by_turn(log: str) -> list[dict[str, float]]:
    """Each Pokémon seen so far (`p1: Snorlax`) and its share of max HP, as it stood when
    each turn began, then at the end: what a replay draws as HP bars."""
    state = _read(log)
    return [*state.hp_before_turns, dict(state.hp)]


def _read(log: str) -> _Battle:
    state = _Battle()
    for raw in log.splitlines():
        if not raw.startswith("|") or raw.startswith("|request|"):
            continue
        kind, *parts = raw[1:].split("|")
        if kind == "turn":
            state.hp_before_turns.append(dict(state.hp))
        try:
            _line(state, kind, parts)
        except (IndexError, ValueError):  # a malformed line: the raw log keeps it
            continue
        if kind == "start" and len(state.players) == 2:
            state.lines.append(f"{state.players['p1']} (p1) against {state.players['p2']} (p2)")
    return state
