"""Action inference: the slot a side chose, read from the protocol that followed it.

For battles without decision records (stores older than them, ladder logs, logs from
elsewhere). The first line after a decision's request that shows the side's active
Pokémon acting reveals the choice: `|move|` names the move (the first one: a move that
calls another, such as Metronome, is logged before the move it calls; a partial trapping
move's continuation is logged under its own name), `|switch|` names the Pokémon switched
in (`|drag|` is never a choice).
A decision with one legal action took it, revealed or not (Gen 1 recharge, a locked-in
move such as partial trapping or Thrash). A `|cant|` line (sleep, freeze, full
paralysis, flinch, being trapped), a faint before acting, or the battle's end leaves the
choice unknown: `UNKNOWN_ACTION`, left out of the actor's loss.
"""

from poke_env.data import to_id_str

from arena.game.choices import Choice
from arena.models.neural.actions import N_MOVES
from arena.training.data.decisions import UNKNOWN_ACTION
from arena.training.data.protocol import Step


def infer(step: Step, role: str) -> int:
    """The slot `role` chose at `step`, or UNKNOWN_ACTION when it never showed."""
    legal = step.actions.mask.nonzero()[0]
    if len(legal) == 1:
        return int(legal[0])
    for parts in step.lines:
        if len(parts) < 3 or not parts[2].startswith(role):
            continue
        kind = parts[1]
        if kind == "switch":
            return _switch_slot(step, parts[2])
        if kind == "move":
            return _move_slot(step, to_id_str(parts[3]))
        if kind in ("cant", "faint"):
            return UNKNOWN_ACTION
    return UNKNOWN_ACTION


def _move_slot(step: Step, move_id: str) -> int:
    for k, target in enumerate(step.actions.slots[:N_MOVES]):
        if target is not None and target.id == move_id and step.actions.mask[k]:
            return k
    return UNKNOWN_ACTION


def _switch_slot(step: Step, ident: str) -> int:
    name = ident.partition(": ")[2]
    for k, target in enumerate(step.actions.slots[N_MOVES:], start=N_MOVES):
        if target is not None and target.name == name and step.actions.mask[k]:
            return k
    return UNKNOWN_ACTION


def disagreements(steps: list[Step], role: str, records: list[Choice]) -> tuple[int, list]:
    """How inference fares against a side's decision records: the number of decisions
    with a record whose action the protocol revealed, and those where the two differ,
    as (step, inferred slot, record)."""
    by_rqid = {c.rqid: c for c in records}
    revealed, differing = 0, []
    for step in steps:
        record = by_rqid.get(step.rqid)
        inferred = infer(step, role)
        if record is None or inferred == UNKNOWN_ACTION:
            continue
        revealed += 1
        if inferred != record.slot:
            differing.append((step, inferred, record))
    return revealed, differing
