"""Action inference agrees with the decision records of real battles."""

from sqlmodel import select

from arena.store.database import Store
from arena.store.tables import Battle, decode_choices, decompress_log
from arena.training.data.action_inference import disagreements
from arena.training.data.protocol import replay
from tests.conftest import run_arena

HEURISTICS = "random,max-power,simple-heuristic,grunt,gym-leader"


def test_inference_names_the_recorded_action_when_the_protocol_reveals_it(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    args = ["--agents", HEURISTICS, "--games-per-pair", "2", "--db", db, "--seed", "7"]
    result = run_arena("tournament", "--server", server.websocket_url, *args)
    assert result.returncode == 0, result.stderr
    revealed, differing = 0, []
    with Store.open(db).session() as session:
        for battle in session.exec(select(Battle)):
            for role in ("p1", "p2"):
                records = decode_choices(getattr(battle, f"{role}_choices"))
                assert records, "every heuristic's decisions are recorded"
                steps = replay(decompress_log(getattr(battle, f"{role}_log")), role, "gen1ou")
                n, wrong = disagreements(steps, role, records)
                revealed += n
                differing += [(battle.id, role, s.turn, slot, r.order) for s, slot, r in wrong]
    assert revealed > 500
    assert len(differing) <= 0.01 * revealed, differing
