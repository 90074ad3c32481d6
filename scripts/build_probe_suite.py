"""Builds a Gen 1 OU position suite for `arena probe` from a store's battles.

Every decision of every side of the chosen tournaments is replayed as that side saw it
(`arena.models.neural.log_replay`) and tested against the themes' predicates, on the
battle state only (never on what the side chose). The first position per theme and
battle side is kept, battles in id order, until a theme has `--per-theme` of them. Each
predicate also gives the acceptable choices and how they were checked:

- lost-recovery: one Pokémon left against three or more, a recovery move (Recover,
  Soft-Boiled, Rest) available. Healing only delays a loss: acceptable are the available
  attacks that do damage (poke-env's port of Showdown's Gen 1 damage calculator > 0).
- free-ko: the active Pokémon surely moves first (a higher effective Speed, or a
  priority move) and a 100%-accurate move other than Explosion or Self-Destruct whose
  lowest non-critical damage roll reaches the HP the opponent has left (the calculator,
  the opponent's stats estimated at DV 15 and full stat experience; no Reflect, Light
  Screen or Substitute on its side).
  Acceptable: those moves.
- forced-switch: the active Pokémon fainted, and some switch-ins are surely knocked out
  by a move the opponent has revealed (its lowest roll reaches their HP) while others
  survive the opponent's hardest expected hit, revealed moves and a STAB attack per
  type while fewer than four are revealed (`arena.models.heuristics.damage.threat`).
  Acceptable: the survivors.
- sleep-freeze: the active Pokémon is frozen with a switch available (in Showdown's
  Gen 1 a frozen Pokémon never moves until a Fire move thaws it: acceptable, every
  switch); or the opponent's active is asleep or frozen and a non-volatile status move
  is available (it fails on a Pokémon that has a status, and a switch gives up the free
  turn: acceptable, every other move).
- partial-trapping: the request offers only Fight (Showdown's Gen 1 sign of a Pokémon
  held by partial trapping) against a faster opponent that has shown Wrap, Bind, Clamp
  or Fire Spin: held, it cannot move, and a switch ends the sequence (the trapper's next
  use is a new move that may miss): acceptable, every switch.

    .venv/bin/python scripts/build_probe_suite.py --db sqlite:///arena.db \
        --tournament probe-src [--per-theme 7] [--out config/probes/gen1ou.yaml]
"""

import argparse
import gzip
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import yaml
from poke_env.battle import Battle, Effect, MoveCategory, SideCondition, Status
from poke_env.data import to_id_str

from arena.models.heuristics.damage import damage_range, hit_damage, outspeeds, threat
from arena.models.neural.log_replay import Routed, new_battle, route, username
from arena.report.probe import legal_choices
from arena.store.database import Store
from arena.store.tables import decompress_log

RECOVERY = {"recover", "softboiled", "rest"}
TRAPS = {"wrap", "bind", "clamp", "firespin"}
SELF_KO = {"explosion", "selfdestruct"}  # a knock-out that costs the user
SCREENS = {SideCondition.REFLECT, SideCondition.LIGHT_SCREEN}
ROLL_MARGIN = 0.01  # the opponent's HP shows as a whole percentage


class Found(NamedTuple):
    acceptable: list[str]
    reason: str
    checked: str


def real_moves(battle: Battle) -> list:
    """The available moves that are moves: not Gen 1's `recharge`, which has no entry."""
    return [m for m in battle.available_moves if "priority" in m.entry]


def alive(team: dict) -> int:
    return sum(not p.fainted for p in team.values())


def opponents_left(battle: Battle) -> int:
    return 6 - sum(p.fainted for p in battle.opponent_team.values())


def lost_recovery(battle: Battle) -> Found | None:
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    moves = {m.id: m for m in real_moves(battle)}
    if battle.force_switch or alive(battle.team) != 1 or opponents_left(battle) < 3:
        return None
    if not RECOVERY & set(moves):
        return None
    attacks = [
        f"move {i}"
        for i, m in moves.items()
        if i not in RECOVERY and hit_damage(battle, m, me, foe)
    ]
    if not attacks:
        return None
    reason = (
        f"{me.species} is the last Pokémon against {opponents_left(battle)}: "
        f"recovery only delays the loss"
    )
    return Found(attacks, reason, "calculator: each acceptable attack does damage")


def free_ko(battle: Battle) -> Found | None:
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    if battle.force_switch or foe is None or foe.fainted or me is None:
        return None
    if SCREENS & set(battle.opponent_side_conditions) or Effect.SUBSTITUTE in foe.effects:
        return None
    kos = []
    for move in real_moves(battle):
        rolls = damage_range(battle, move, me, foe)
        first = outspeeds(me, foe) or move.priority > 0
        if move.id in SELF_KO:
            continue
        if (
            rolls
            and first
            and move.accuracy >= 1
            and rolls[0] >= foe.current_hp_fraction + ROLL_MARGIN
        ):
            kos.append(f"move {move.id}")
    if not kos or set(kos) == set(legal_choices(battle)):
        return None
    reason = (
        f"{me.species} moves first and {', '.join(k[5:] for k in kos)} knocks out "
        f"{foe.species} at {100 * foe.current_hp_fraction:.0f}% on its lowest roll"
    )
    return Found(kos, reason, "calculator: lowest non-critical roll ≥ HP left; Speed")


def forced_switch(battle: Battle) -> Found | None:
    foe = battle.opponent_active_pokemon
    switches = battle.available_switches
    if not battle.force_switch or foe is None or foe.fainted or len(switches) < 2:
        return None
    revealed = [m for m in foe.moves.values() if m.category != MoveCategory.STATUS]
    doomed, survivors = [], []
    for mon in switches:
        rolls = [damage_range(battle, m, foe, mon) for m in revealed]
        if any(r and r[0] >= mon.current_hp_fraction for r in rolls):
            doomed.append(mon)
        elif threat(battle, foe, mon) < mon.current_hp_fraction:
            survivors.append(mon)
    if not doomed or not survivors:
        return None
    reason = (
        f"{foe.species} surely knocks out {', '.join(m.species for m in doomed)}; "
        f"{', '.join(m.species for m in survivors)} would survive its hardest expected hit"
    )
    acceptable = [f"switch {to_id_str(m.species)}" for m in survivors]
    return Found(acceptable, reason, "calculator: lowest roll of a revealed move ≥ HP; threat")


def sleep_freeze(battle: Battle) -> Found | None:
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    if battle.force_switch or me is None or foe is None:
        return None
    switches = [c for c in legal_choices(battle) if c.startswith("switch ")]
    if me.status == Status.FRZ and switches:
        reason = f"{me.species} is frozen and never thaws by itself in Gen 1: switch"
        return Found(switches, reason, "rule: Showdown gen1 frz ends only by a Fire move")
    futile = [f"move {m.id}" for m in real_moves(battle) if m.status is not None]
    if foe.status in (Status.SLP, Status.FRZ) and futile:
        others = [f"move {m.id}" for m in real_moves(battle) if m.status is None]
        status = "asleep" if foe.status == Status.SLP else "frozen"
        reason = (
            f"{foe.species} is {status}, a free turn: {', '.join(f[5:] for f in futile)} "
            f"would fail, a switch wastes it"
        )
        return Found(others, reason, "rule: a status move fails on a Pokémon with a status")
    return None


def partial_trapping(battle: Battle) -> Found | None:
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    if battle.force_switch or me is None or foe is None:
        return None
    held = [m.id for m in battle.available_moves] == ["fight"] and TRAPS & set(foe.moves)
    switches = [c for c in legal_choices(battle) if c.startswith("switch ")]
    if not held or not switches or not outspeeds(foe, me):
        return None
    reason = (
        f"{me.species} is held by a faster {foe.species} (the request offers only Fight): "
        f"it cannot move while held, a switch ends the sequence"
    )
    return Found(switches, reason, "rule: Showdown gen1 partiallytrapped; Speed")


THEMES: dict[str, Callable[[Battle], Found | None]] = {
    "lost-recovery": lost_recovery,
    "free-ko": free_ko,
    "forced-switch": forced_switch,
    "sleep-freeze": sleep_freeze,
    "partial-trapping": partial_trapping,
}


def side_positions(lines: list[str], battle_format: str):
    """(theme, decision number, line index, turn, Found) for every decision of a side
    that a theme's predicate matches, at most one per theme."""
    battle = new_battle("build", battle_format, username(lines))
    seen: set[str] = set()
    count = 0
    for index, line in enumerate(lines):
        if route(battle, line.split("|")) is not Routed.DECISION:
            continue
        count += 1
        if len(battle.available_moves) + len(battle.available_switches) < 2:
            continue
        for theme, predicate in THEMES.items():
            if theme in seen:
                continue
            found = predicate(battle)
            if found is not None:
                seen.add(theme)
                yield theme, count, index, battle.turn, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--tournament", nargs="+", required=True)
    parser.add_argument("--per-theme", type=int, default=7)
    parser.add_argument("--format", default="gen1ou")
    parser.add_argument("--out", type=Path, default=Path("config/probes/gen1ou.yaml"))
    args = parser.parse_args()

    store = Store.open(args.db)
    names = store.agent_names()
    ids = [store.tournament(t).id for t in args.tournament]
    battles = [b for b in store.battles(ids) if b.format == args.format]
    chosen: dict[str, list[dict]] = defaultdict(list)
    logs: dict[str, list[str]] = {}
    for meta in sorted(battles, key=lambda b: b.id):
        if all(len(chosen[t]) >= args.per_theme for t in THEMES):
            break
        battle = store.battles_with_logs([meta.id])[0]
        for role in ("p1", "p2"):
            lines = decompress_log(getattr(battle, f"{role}_log")).splitlines()
            log_name = f"{args.out.stem}/b{battle.id:05d}-{role}.log.gz"
            for theme, count, index, turn, found in side_positions(lines, args.format):
                if len(chosen[theme]) >= args.per_theme:
                    continue
                logs[log_name] = lines[: max(index + 1, len(logs.get(log_name, [])))]
                agent = names[getattr(battle, f"{role}_agent_id")]
                chosen[theme].append(
                    {
                        "id": f"{theme}-{len(chosen[theme]) + 1:02d}",
                        "theme": theme,
                        "log": log_name,
                        "decision": count,
                        "turn": turn,
                        "source": {"battle": battle.id, "side": role, "agent": agent,
                                   "seed": battle.seed, "tag": battle.battle_tag},
                        "acceptable": sorted(found.acceptable),
                        "reason": found.reason,
                        "checked": found.checked,
                    }
                )  # fmt: skip
    (args.out.parent / args.out.stem).mkdir(parents=True, exist_ok=True)
    for name, lines in logs.items():
        text = ("\n".join(lines) + "\n").encode()
        (args.out.parent / name).write_bytes(gzip.compress(text, mtime=0))
    positions = [p for theme in THEMES for p in chosen[theme]]
    header = f"# Built by scripts/build_probe_suite.py from {', '.join(args.tournament)}.\n"
    body = yaml.safe_dump(
        {"format": args.format, "positions": positions}, sort_keys=False, allow_unicode=True
    )
    args.out.write_text(header + body)
    for theme in THEMES:
        print(f"{theme}: {len(chosen[theme])}")


if __name__ == "__main__":
    main()
