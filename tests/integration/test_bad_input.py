"""Bad input to `arena battle`: one clear line, exit code 2, nothing left running."""

import pytest
import torch

from tests.conftest import run_arena, showdown_pids

MEWTWO = """Mewtwo
EVs: 252 HP / 252 Atk / 252 Def / 252 SpA / 252 SpD / 252 Spe
- Psychic
- Recover
- Amnesia
- Thunderbolt
"""


@pytest.fixture
def empty_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


@pytest.fixture
def illegal_dir(tmp_path):
    (tmp_path / "ubers").mkdir()
    (tmp_path / "ubers" / "mewtwo.txt").write_text(MEWTWO)
    return tmp_path / "ubers"


CASES = {
    "unknown agent": (["battle", "nobody", "random"], "unknown agent 'nobody'"),
    "bad import path": (["battle", "no_such_pkg.bots:Bot", "random"], "cannot import"),
    "not a Player": (["battle", "tests.user_bots:NotAPlayer", "random"], "not a poke-env Player"),
    "unknown format": (
        ["battle", "random", "random", "--format", "gen1nonsense"],
        "unknown format",
    ),
    "odd games": (["battle", "random", "random", "--games", "7"], "positive even number"),
    "unknown device": (
        ["battle", "random", "random", "--device", "gpu"],
        "--device 'gpu': use cpu, cuda or cuda:N",
    ),
    "bad device index": (
        ["battle", "random", "random", "--device", "cuda:x"],
        "--device 'cuda:x': use cpu, cuda or cuda:N",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_and_exit_2(case):
    args, expected = CASES[case]
    _check_rejected(args, expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("command", [["battle", "random", "random"], ["tournament"]])
def test_cuda_without_cuda_is_one_line_before_anything_starts(command):
    _check_rejected([*command, "--device", "cuda"], "has no CUDA; use --device cpu")


def test_empty_team_directory(empty_dir):
    _check_rejected(
        ["battle", "random", "random", "--teams", str(empty_dir)], "holds no team files"
    )


def test_illegal_team(illegal_dir):
    _check_rejected(
        ["battle", "random", "random", "--teams", str(illegal_dir)],
        "mewtwo.txt is not legal in gen1ou: Mewtwo is tagged Uber",
    )


def _check_rejected(args, expected):
    before = showdown_pids()
    result = run_arena(*args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: "), result.stderr
    assert expected in lines[0]
    assert showdown_pids() == before
