"""A replay a person can read, checked on real logs (the 6c24063 store's battles)."""

import sqlite3
import zlib

import pytest

from arena.report.narration import narrate
from tests.conftest import REPO

STORE = REPO / "tests" / "data" / "main-6c24063" / "arena.db"


def _log(battle_id: int, side: str) -> str:
    with sqlite3.connect(STORE) as connection:
        (blob,) = connection.execute(
            f"SELECT {side}_log FROM battle WHERE id = ?", (battle_id,)
        ).fetchone()
    return zlib.decompress(blob).decode()


@pytest.fixture(scope="module")
def first():
    return narrate(_log(1, "p1"))


def test_opens_with_the_players_and_their_leads(first):
    assert first[:3] == [
        "maxpower-2ac1a3 (p1) against grunt-7e6d9a (p2)",
        "  maxpower-2ac1a3 sends out Alakazam (p1) (100%)",
        "  grunt-7e6d9a sends out Alakazam (p2) (100%)",
    ]


def test_moves_damage_as_a_share_of_hp_faints_and_switches(first):
    turn1 = first[first.index("Turn 1") : first.index("Turn 2")]
    assert turn1 == [
        "Turn 1",
        "  Alakazam (p1) uses Psychic on Alakazam (p2)",
        "    it is not very effective",
        "  Alakazam (p2) loses 17% (83% left)",
        "  Alakazam (p2)'s spa falls by 1",
        "  Alakazam (p2)'s spd falls by 1",
        "  Alakazam (p2) uses Seismic Toss on Alakazam (p1)",
        "  Alakazam (p1) loses 32% (68% left)",  # 100 of 313 HP
    ]
    turn4 = first[first.index("Turn 4") : first.index("Turn 5")]
    assert turn4[-3:] == [
        "  Alakazam (p1) loses 4% (0% left)",
        "  Alakazam (p1) faints",
        "  maxpower-2ac1a3 sends out Tentacruel (p1) (100%)",
    ]


def test_the_winner_is_the_last_line(first):
    assert first[-1] == "grunt-7e6d9a wins"


def test_status_heal_and_what_keeps_a_pokemon_from_moving():
    told = narrate(_log(4, "p1"))
    assert "  Alakazam (p2) is paralysed" in told
    assert "  Alakazam (p2) cannot move (par)" in told
    assert "  Snorlax (p1) falls asleep from Rest" in told
    assert any(line.startswith("  Alakazam (p1) regains ") for line in told)


def test_both_sides_views_tell_the_same_story():
    """One side sees its own HP in points and the other's in percent: the story is the
    same but for rounding of the percentages."""
    mine, theirs = narrate(_log(4, "p1")), narrate(_log(4, "p2"))
    assert len(mine) == len(theirs)
    differ = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
    assert all("%" in a and "%" in b for a, b in differ)
    assert len(differ) < len(mine) / 4
