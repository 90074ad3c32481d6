"""How faithful a replay is as training data: arena's own battles, written out as Showdown
replays and imported back, against what arena recorded when it played them.

Reads a stored tournament's battles (or plays one of heuristics into a temporary store),
writes each battle's spectator log (`replay_view.spectator_log` of its two players' logs)
as a replay file in the replay site's JSON, imports the files into a fresh store with
`arena data import`'s function, builds a dataset of each (the original labelled by its
play-time decision records, the replays by inference from the log) and compares them
decision by decision: decisions found, legal masks, the action inferred against the one
recorded, and every encoded feature. The player's own HP is the one thing a replay shows
only to the percent, so that column is compared apart and its largest difference printed.
Usage: python scripts/replays_roundtrip.py [--db URL --tournament NAME | --games-per-pair 2]
       [--out DIR]  (keeps the replay files in DIR)
The fixture tests/data/replays/gen1ou-arena1.json is the same spectator log of the battle
whose two players' logs are in tests/data.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from arena.config import team_dir
from arena.models.neural.features import HP, N_OWN
from arena.store.database import Store
from arena.store.tables import decompress_log
from arena.training.data.build import Query, build
from arena.training.data.dataset import load_one
from arena.training.data.decisions import UNKNOWN_ACTION, Decisions
from arena.training.data.replay_sets import consistent, read_pool
from arena.training.data.replay_view import revealed, spectator_log
from arena.training.data.replays import import_files, replay_files

AGENTS = "gym-leader,grunt,max-power,simple-heuristic,random"


def play(db: str, games: int) -> str:
    """Plays a small round robin of the heuristics into `db`; its name."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "arena",
            "tournament",
            "--agents",
            AGENTS,
            "--games-per-pair",
            str(games),
            "--name",
            "roundtrip",
            "--db",
            db,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return "roundtrip"


def write_replays(db: str, tournament: str, out: Path) -> int:
    """Each battle of the tournament as a replay file in `out`; how many."""
    store = Store.open(db, readonly=True)
    row = store.tournament(tournament)
    if row is None:
        raise SystemExit(f"no tournament {tournament!r} in {db}")
    ids = [b.id for b in store.battles([row.id])]
    out.mkdir(parents=True, exist_ok=True)
    for battle in store.battles_with_logs(ids):
        log = spectator_log(decompress_log(battle.p1_log), decompress_log(battle.p2_log))
        players = [line.split("|")[3] for line in log if line.startswith("|player|")]
        replay = {
            "id": f"{battle.format}-arena{battle.id}",
            "formatid": battle.format,
            "players": players,
            "rating": 1500,
            "uploadtime": int(battle.finished_at.timestamp()),
            "log": "\n".join(log) + "\n",
        }
        (out / f"{replay['id']}.json").write_text(json.dumps(replay))
    return len(ids)


def by_battle_side(table: Decisions, key) -> dict:
    return {
        (key(int(b)), int(s)): np.flatnonzero((table.battle == b) & (table.side == s))
        for b, s in {(int(b), int(s)) for b, s in zip(table.battle, table.side, strict=True)}
    }


def ambiguous_sides(db: str) -> set[tuple[int, int]]:
    """(imported battle, side) whose revealed Pokémon and moves fit more than one team of
    the pool: what the log never showed of that side is then a guess among them."""
    store = Store.open(db, readonly=True)
    pool = read_pool(team_dir("gen1ou"))
    found = set()
    battles = store.battles([store.tournament("replays").id])
    for battle in store.battles_with_logs(b.id for b in battles):
        lines = decompress_log(battle.p1_log).split("\n")
        for side, role in enumerate(("p1", "p2")):
            if len(consistent(revealed(lines, role), pool)) > 1:
                found.add((battle.id, side))
    return found


FIELDS = ("sides", "decisions", "masks_equal", "labelled", "agree", "unknown", "features_equal")


def compare(played: Decisions, imported: Decisions, tags: dict[int, int], ambiguous) -> dict:
    """Decision-by-decision agreement of the replays' dataset with the played one's: for
    every side, and for the sides whose team the log pins down (one consistent team)."""
    want = by_battle_side(played, lambda b: b)
    got = by_battle_side(imported, lambda b: tags[b])
    pinned = {(tags[b], side) for b, side in {(int(b), int(s)) for b, s in got}} - {
        (tags[b], side) for b, side in ambiguous
    }
    groups = {"every side": Counter(), "team pinned down": Counter()}
    for key, rows in want.items():
        hp_error = 0.0
        other = got.get(key, np.array([], dtype=int))
        if len(other) != len(rows):
            raise SystemExit(
                f"battle {key[0]} side {key[1]}: {len(other)} decisions, not {len(rows)}"
            )
        inferred, recorded = imported.action[other], played.action[rows]
        known = inferred != UNKNOWN_ACTION
        equal = np.ones(len(rows), bool)
        for name, array in played.observations.items():
            a, b = array[rows], imported.observations[name][other]
            if name == "pokemon":
                hp_error = max(hp_error, float(np.abs(a[:, :N_OWN, HP] - b[:, :N_OWN, HP]).max()))
                a, b = a.copy(), b.copy()
                a[:, :N_OWN, HP] = b[:, :N_OWN, HP] = 0
            equal &= (a == b).reshape(len(rows), -1).all(1)
        side = {
            "sides": 1,
            "decisions": len(rows),
            "masks_equal": int((played.mask[rows] == imported.mask[other]).all(1).sum()),
            "labelled": int(known.sum()),
            "agree": int((inferred[known] == recorded[known]).sum()),
            "unknown": int((~known).sum()),
            "features_equal": int(equal.sum()),
        }
        for name, group in groups.items():
            if name == "every side" or key in pinned:
                group.update(side)
                group["own HP error"] = max(group["own HP error"], round(hp_error, 4))
    return groups


def report(groups: dict) -> None:
    for name, counts in groups.items():
        decisions = max(1, counts["decisions"])
        print(
            f"{name}: {counts['sides']} battle sides, {counts['decisions']} decisions; "
            f"choices agree on {counts['agree']}/{counts['labelled']} inferred "
            f"({100 * counts['agree'] / max(1, counts['labelled']):.2f}%), "
            f"{100 * counts['unknown'] / decisions:.2f}% left unknown; legal masks equal on "
            f"{100 * counts['masks_equal'] / decisions:.2f}%; features equal (but own HP) on "
            f"{100 * counts['features_equal'] / decisions:.2f}%, own HP (a replay shows it to "
            f"the percent) off by {counts['own HP error']} at most"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a store to read battles from (default: play some)")
    parser.add_argument("--tournament", default="roundtrip")
    parser.add_argument("--games-per-pair", type=int, default=2)
    parser.add_argument("--out", type=Path, help="where replay files go (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        db = args.db or f"sqlite:///{work / 'played.db'}"
        tournament = args.tournament if args.db else play(db, args.games_per_pair)
        out = args.out or work / "replays"
        written = write_replays(db, tournament, out)
        imported_db = f"sqlite:///{work / 'imported.db'}"
        result = import_files(Store.open(imported_db), replay_files([out]))
        print(
            f"{written} battles written as replays; {result.stored} imported, "
            f"{len(result.refused)} refused {dict(result.counts)}"
        )
        build(work / "played", Query(tournaments=(tournament,)), db=db)
        build(work / "imported", Query(tournaments=("replays",), replays=True), db=imported_db)
        store = Store.open(imported_db, readonly=True)
        replays = store.battles([store.tournament("replays").id])
        tags = {b.id: int(b.battle_tag.rpartition("arena")[2]) for b in replays}
        played, imported = load_one(work / "played"), load_one(work / "imported")
        report(compare(played, imported, tags, ambiguous_sides(imported_db)))


if __name__ == "__main__":
    main()
