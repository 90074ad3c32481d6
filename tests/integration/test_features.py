"""Features on real battles: the states replayed from a stored log are the states the
player saw, and a checkpoint trained on version 1 features is refused in one line."""

import numpy as np
import pytest
import torch

from arena.game.teams import load_pool
from arena.game.transport import ServerTransport
from arena.matchmaking.match import play_match
from arena.models.neural import features
from arena.models.neural.checkpoint import CheckpointError, initialise, load
from arena.models.neural.features import (
    encode,
)
from arena.models.neural.log_replay import decisions, new_battle, username
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import resolve
from tests.conftest import run_arena
from tests.user_bots import MaskProbePlayer


async def test_replayed_states_are_the_states_the_player_saw(server):
    """Replaying a stored log gives, decision by decision, what the live player encoded:
    the dataset sees what the agent saw."""
    MaskProbePlayer.seen.clear()
    probe = resolve("tests.user_bots:MaskProbePlayer")
    result = await play_match(
        probe,
        resolve("max-power"),
        transport=ServerTransport(server.websocket_url),
        battle_format="gen1ou",
        pool=load_pool("gen1ou", None)[1],
        games=2,
        concurrency=1,
        seed=4,
    )
    live = [obs for _, _, obs, _ in MaskProbePlayer.seen]
    replayed = []
    for game in result.games:
        seat = next(s for s in game.seats if s.agent == result.names[0])
        battle = new_battle(game.battle_tag, "gen1ou", username(seat.log.lines))
        replayed += [encode(state) for state in decisions(battle, seat.log.lines)]
    assert len(live) == len(replayed) > 20
    for seen, again in zip(live, replayed, strict=True):
        for name in features.Observation.__dataclass_fields__:
            assert np.array_equal(getattr(seen, name), getattr(again, name)), name


def test_a_version_1_checkpoint_is_refused_in_one_line(tmp_path):
    path = tmp_path / "v1.pt"
    initialise(PolicyConfig.sized("tiny"), seed=0).save(path)
    data = torch.load(path, weights_only=True)
    torch.save({**data, "feature_version": 1}, path)
    with pytest.raises(CheckpointError) as refused:
        load(path)
    message = str(refused.value)
    assert "needs features version 1" in message and "encodes version 2" in message
    assert "\n" not in message
    result = run_arena("model", "info", str(path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "needs features version 1" in result.stderr
