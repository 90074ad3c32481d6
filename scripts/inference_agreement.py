"""How often protocol inference names the action a decision record holds.

Usage: python scripts/inference_agreement.py [--db URL]

Replays both sides of every stored battle that has decision records and compares the
slot inferred from the protocol with the recorded one, on the decisions whose action the
protocol revealed. Prints the agreement rate and each kind of mismatch (the order sent
and the first line that followed it), with one example each.
"""

import argparse
from collections import Counter

from sqlmodel import select

from arena.store.database import Store
from arena.store.tables import Battle, decode_choices, decompress_log
from arena.training.data.action_inference import disagreements
from arena.training.data.protocol import replay


def _kind(step, role: str, record) -> tuple[str, str]:
    shown = next((p for p in step.lines if len(p) > 2 and p[2].startswith(role)), None)
    return record.order, "|".join(shown[:4]) if shown else "nothing shown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    store = Store.open(args.db)
    revealed, kinds, example = 0, Counter(), {}
    with store.session() as session:
        for battle in session.exec(select(Battle).execution_options(yield_per=64)):
            for role in ("p1", "p2"):
                records = decode_choices(getattr(battle, f"{role}_choices"))
                if records is None:
                    continue
                steps = replay(decompress_log(getattr(battle, f"{role}_log")), role, battle.format)
                n, differing = disagreements(steps, role, records)
                revealed += n
                for step, inferred, record in differing:
                    kind = _kind(step, role, record)
                    kinds[kind] += 1
                    example.setdefault(kind, (battle.id, role, step.turn, inferred, record.slot))
    mismatches = sum(kinds.values())
    rate = 1 - mismatches / revealed if revealed else 0.0
    print(f"revealed decisions with records: {revealed}; inference agrees on {rate:.4%}")
    for kind, count in kinds.most_common():
        battle, role, turn, inferred, recorded = example[kind]
        print(
            f"{count:6d}  sent {kind[0]!r}, then {kind[1]!r}: inferred {inferred}, recorded "
            f"{recorded} (e.g. battle {battle} {role} turn {turn})"
        )


if __name__ == "__main__":
    main()
