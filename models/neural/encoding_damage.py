"""The encoder's own damage arithmetic: compact, frozen with the feature version.

Features must mean the same thing for as long as a checkpoint trained on them lives, so the
encoder never calls the heuristic bots' calculator (`arena.models.heuristics.damage`), which
may be tuned. This is the main-series formula written from the games' rules, on floats (no
intermediate flooring), with each generation's critical hits: damage = ((2·L/5 + 2) · Power
· A/D / 50 + 2) · STAB · type · burn · mean roll Gen 1 crits double the level and Gen 2
crits double the damage, both on unboosted stats; later generations multiply by 2 (Gen 3–5)
or 1.5 (Gen 6+). Any change here changes what the encoder outputs and bumps
`features.FEATURE_VERSION`.
"""

MEAN_ROLL_GEN12 = 236 / 255  # rolls are uniform on 217..255, divided by 255
MEAN_ROLL = 0.925  # from Gen 3: uniform on 85..100 %
STAB = 1.5
GEN2_CRIT_IN_256 = (17, 32, 64, 85, 128)  # by crit stage 1..5
GEN3_TO_6_CRIT = (1 / 16, 1 / 8, 1 / 4, 1 / 3, 1 / 2)
GEN7_CRIT = (1 / 24, 1 / 8, 1 / 2, 1.0, 1.0)


def boost(stage: int) -> float:
    """The stat multiplier of a boost stage: (2+s)/2 up, 2/(2-s) down."""
    return (2 + stage) / 2 if stage >= 0 else 2 / (2 - stage)


def estimated_stat(gen: int, name: str, base: int, level: int) -> int:
    """A stat the player cannot see: DV 15 and full stat experience in Gen 1–2, IV 31 and
    85 EVs from Gen 3 (what random battles give), neutral nature."""
    spread = 93 if gen <= 2 else 52  # 2·15 + 63, or 31 + 85/4
    core = (2 * base + spread) * level // 100
    return core + level + 10 if name == "hp" else core + 5


def crit_chance(gen: int, stage: int, base_speed: int) -> float:
    """Gen 1: base Speed / 512, eight times that for high-crit moves; later a table."""
    if gen == 1:
        odds = base_speed // 2 * (8 if stage >= 2 else 1)
        return min(odds, 255) / 256
    stage = min(max(stage, 1), 5)
    if gen == 2:
        return GEN2_CRIT_IN_256[stage - 1] / 256
    return (GEN3_TO_6_CRIT if gen <= 6 else GEN7_CRIT)[stage - 1]


def expected_hits(gen: int, low: int, high: int) -> float:
    """2–5 hits land 3/8, 3/8, 1/8, 1/8 of the time until Gen 4 (3.0), 35/35/15/15 %
    from Gen 5 (3.1); any other range counts its mean."""
    if (low, high) == (2, 5):
        return 3.0 if gen <= 4 else 3.1
    return (low + high) / 2


def _base(level: float, power: float, attack: float, defence: float) -> float:
    return (2 * level / 5 + 2) * power * attack / max(defence, 1.0) / 50 + 2


def mean_hit(
    gen: int,
    level: int,
    power: float,
    attack: tuple[float, float],
    defence: tuple[float, float],
    crit: float,
) -> float:
    """Mean damage of one hit before STAB, type and burn, crits weighed in.

    `attack` and `defence` are (with boosts, without boosts).
    """
    normal = _base(level, power, attack[0], defence[0])
    if gen == 1:
        critical = _base(2 * level, power, attack[1], defence[1])
    elif gen == 2:
        critical = 2 * _base(level, power, attack[1], defence[1])
    else:
        critical = (2.0 if gen <= 5 else 1.5) * normal
    roll = MEAN_ROLL_GEN12 if gen <= 2 else MEAN_ROLL
    return ((1 - crit) * normal + crit * critical) * roll
