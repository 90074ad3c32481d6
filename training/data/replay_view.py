"""A replay's spectator log turned into one player's log: what that player saw, with the
requests it decided on, so a replay is encoded exactly as arena encodes its own battles
(`arena.training.data.protocol`).

A spectator log holds every public line of a battle and no `|request|`. A player's log is
the same lines with that player's requests among them: one after every `|turn|` line, and
one asking for a switch at the end of the update in which its active Pokémon fainted
(unless the battle ended there). Each request is made from the player's team
(`replay_sets`, completed from a team pool) and the log up to that point: HP and status
from the public lines (HP to the percent the log shows), PP from the moves used, and a
locked move (recharge, Thrash, a two-turn move) or Gen 1's `Fight` where the next lines
show one. `spectator_log` goes the other way, from the two players' logs of a battle
arena played, to measure the round trip.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

from poke_env.data import GenData, to_id_str

from arena.training.data.replay_sets import OwnSet, Revealed

# lines only one player receives, or that each client receives in its own order (who
# joined, chat, the timer): none tells anything of the battle
_UNSHARED = {"request", "error", "bigerror", "j", "J", "l", "L", "n", "N", "c", "chat", "raw"}
_UNSHARED |= {"inactive", "inactiveoff", "init", "title"}
_HP_LINES = ("switch", "drag", "-damage", "-heal", "-sethp", "replace")
_ACTIONS = ("move", "cant", "switch")
_TRAPPING = {"wrap", "bind", "clamp", "firespin"}


def spectator_log(p1_log: str, p2_log: str) -> list[str]:
    """The lines a spectator saw of a battle, from both players' logs: each line as the
    player it does not concern received it (a player sees its own HP exactly, everyone
    else in percent). ValueError when the logs are not of one battle."""
    sides = [[x for x in log.split("\n") if _shared(x)] for log in (p1_log, p2_log)]
    if len(sides[0]) != len(sides[1]):
        raise ValueError("the two logs are not of one battle")
    lines = []
    for one, two in zip(*sides, strict=True):
        if one == two:
            lines.append(one)
            continue
        a, b = one.split("|"), two.split("|")
        if a[:2] != b[:2] or len(a) < 3:
            raise ValueError(f"the two logs differ: {one!r} / {two!r}")
        lines.append(two if a[2].startswith("p1") else one)
    return lines


def _shared(line: str) -> bool:
    parts = line.split("|")
    return len(parts) > 1 and parts[0] == "" and parts[1] not in _UNSHARED


def revealed(lines: list[str], role: str) -> list[Revealed]:
    """The side's Pokémon the log shows, in the order they came out, with the moves each
    used of its own accord (not called by another move, not a locked repeat)."""
    seen: dict[str, Revealed] = {}
    for parts in (line.split("|") for line in lines):
        if len(parts) < 4 or not parts[2].startswith(f"{role}a: "):
            continue
        name = parts[2][5:]
        if parts[1] in ("switch", "drag", "replace") and name not in seen:
            seen[name] = Revealed(name, parts[3].split(", ")[0], parts[3])
        elif parts[1] == "move" and name in seen and not _called(parts):
            move = to_id_str(parts[3])
            if move not in seen[name].moves and move != "struggle":
                seen[name].moves.append(move)
    return list(seen.values())


def _called(parts: list[str]) -> bool:
    return any(p.startswith("[from]") for p in parts[4:])


@dataclass
class _Mon:
    own: OwnSet
    hp: str = "100/100"  # as the last public line said
    status: str = ""
    used: dict | None = None  # PP used per move id
    disabled: str | None = None
    recharge: bool = False  # a Hyper Beam to recharge from (kept while frozen, in Gen 1)

    def condition(self) -> str:
        if self.status == "fnt":
            return "0 fnt"
        shown, _, whole = self.hp.partition("/")
        maxhp = self.own.stats["hp"]
        # Showdown rounds up to the percent shown: the middle of what that percent covers
        middle = (int(shown) - 0.5) * maxhp / int(whole)
        hp = maxhp if shown == whole else min(maxhp - 1, max(1, round(middle)))
        return f"{hp}/{maxhp}" + (f" {self.status}" if self.status else "")


class _Side:
    """One side's team as its player knows it, kept up to date line by line."""

    def __init__(self, role: str, username: str, sets: list[OwnSet], gen: int):
        self.role, self.username, self.gen = role, username, gen
        self.data = GenData.from_gen(gen)
        self.order = [_Mon(s, used={}) for s in sets]
        self.rqid = 0

    def mon(self, name: str) -> _Mon | None:
        return next((m for m in self.order if m.own.name == name), None)

    def see(self, parts: list[str]) -> None:
        if len(parts) < 3:
            return
        if not parts[2].startswith(f"{self.role}a: "):
            if parts[1] == "move" and len(parts) > 3 and to_id_str(parts[3]) in _TRAPPING:
                self.order[0].recharge = False  # Gen 1: a partial trap cancels a recharge
            return
        kind, mon = parts[1], self.mon(parts[2][5:])
        if mon is None:
            return
        if kind in ("switch", "drag", "faint", "move") or parts[3:4] in (["recharge"], ["flinch"]):
            mon.recharge = False  # done, or cancelled (a flinch, or sleep below)
        if kind == "-status" and parts[3] == "slp":
            mon.recharge = False
        if kind in ("switch", "drag", "replace"):
            k = self.order.index(mon)
            self.order[0], self.order[k] = self.order[k], self.order[0]
            mon.disabled = None
        if kind in _HP_LINES and len(parts) > 3:
            self._health(mon, parts[4] if kind in ("switch", "drag", "replace") else parts[3])
        elif kind == "-status":
            mon.status = parts[3]
        elif kind == "-mustrecharge":
            mon.recharge = True
        elif kind == "-curestatus":
            mon.status = ""
        elif kind == "faint":
            mon.status = "fnt"
        elif kind == "move" and not _called(parts):
            move = to_id_str(parts[3])
            mon.used[move] = mon.used.get(move, 0) + 1
        elif kind == "-start" and len(parts) > 4 and parts[3] == "Disable":
            mon.disabled = to_id_str(parts[4])
        elif kind == "-end" and len(parts) > 3 and parts[3] == "Disable":
            mon.disabled = None

    @staticmethod
    def _health(mon: _Mon, field: str) -> None:
        hp, _, status = field.partition(" ")
        if hp == "0":
            mon.status = "fnt"
            return
        mon.hp, mon.status = hp, status

    def request(self, following: list[list[str]] | None) -> str:
        """The request of a turn (`following`: the lines up to the next turn) or, for
        None, of a forced switch."""
        self.rqid += 1
        body: dict = {}
        if following is None:
            body["forceSwitch"] = [True]
        else:
            body["active"] = [self._active(following)]
        body["side"] = {
            "name": self.username,
            "id": self.role,
            "pokemon": [self._entry(m, k == 0) for k, m in enumerate(self.order)],
        }
        body["rqid"] = self.rqid
        return "|request|" + json.dumps(body, separators=(",", ":"))

    def _active(self, following: list[list[str]]) -> dict:
        mon = self.order[0]
        first = next(
            (p for p in following if p[1] in _ACTIONS and p[2].startswith(f"{self.role}a: ")),
            None,
        )
        if mon.recharge or (first is not None and first[1] == "cant" and first[3] == "recharge"):
            return {"moves": [{"move": "Recharge", "id": "recharge"}], "trapped": True}
        if first is not None and first[1] == "move" and "[from]lockedmove" in first[4:]:
            move = self.data.moves[to_id_str(first[3])]
            return {"moves": [{"move": move["name"], "id": to_id_str(first[3])}], "trapped": True}
        trapped = first is not None and first[1] == "cant" and first[3] == "partiallytrapped"
        if self.gen == 1 and (mon.status in ("slp", "frz") or trapped):
            return {"moves": [{"move": "Fight", "id": "fight"}]}
        moves = [self._move(mon, move) for move in mon.own.moves]
        if all(m["disabled"] for m in moves):
            moves = [{"move": "Struggle", "id": "struggle", "target": "randomNormal"}]
        return {"moves": moves}

    def _move(self, mon: _Mon, move_id: str) -> dict:
        move = self.data.moves[move_id]
        maxpp = move["pp"] if move.get("noPPBoosts") else move["pp"] * 8 // 5
        pp = max(0, maxpp - mon.used.get(move_id, 0))
        return {
            "move": move["name"],
            "id": move_id,
            "pp": pp,
            "maxpp": maxpp,
            "target": move["target"],
            "disabled": pp == 0 or mon.disabled == move_id,
        }

    def _entry(self, mon: _Mon, active: bool) -> dict:
        stats = {k: v for k, v in mon.own.stats.items() if k != "hp"}
        return {
            "ident": f"{self.role}: {mon.own.name}",
            "details": mon.own.details,
            "condition": mon.condition(),
            "active": active,
            "stats": stats,
            "moves": mon.own.moves,
            "baseAbility": "noability",
            "item": "",
            "pokeball": "pokeball",
        }


def side_log(lines: list[str], role: str, username: str, sets: list[OwnSet], gen: int) -> str:
    """The log the player of `role` would have received: `lines` with its requests."""
    side = _Side(role, username, sets, gen)
    split = [line.split("|") for line in lines]
    out: list[str] = []
    switch_due = False
    for k, parts in enumerate(split):
        if switch_due and parts == ["", ""]:
            out.append(side.request(None))
            switch_due = False
        out.append(lines[k])
        side.see(parts)
        if len(parts) > 1 and parts[1] == "turn":
            out.append(side.request(list(_until_turn(split, k + 1))))
        elif len(parts) > 2 and parts[1] == "faint" and parts[2].startswith(f"{role}a: "):
            switch_due = _switches_again(split, k + 1, role)
    return "\n".join(out)


def _until_turn(split: list[list[str]], start: int) -> Iterator[list[str]]:
    for parts in split[start:]:
        if len(parts) > 1 and parts[1] == "turn":
            return
        if len(parts) > 2:
            yield parts


def _switches_again(split: list[list[str]], start: int, role: str) -> bool:
    """Whether the side sends a Pokémon in after this faint before the battle ends."""
    for parts in split[start:]:
        if len(parts) > 2 and parts[1] == "switch" and parts[2].startswith(f"{role}a: "):
            return True
        if len(parts) > 1 and parts[1] in ("win", "tie", "turn"):
            return False
    return False
