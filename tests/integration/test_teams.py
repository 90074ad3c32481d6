"""The shipped Gen 1 OU pool is legal by Showdown's own validator; pools sample by seed."""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

from arena.config import team_dir
from arena.game.teams import load_pool
from arena.showdown.install import install_dir, node_executable

SHIPPED = sorted(team_dir("gen1ou").iterdir())


def _validate(path):
    with open(path) as team:
        return subprocess.run(
            [node_executable(), "pokemon-showdown", "validate-team", "gen1ou"],
            stdin=team,
            capture_output=True,
            text=True,
            cwd=install_dir(),
            check=False,
        )


def test_shipped_pool_is_large_distinct_and_legal():
    assert len(SHIPPED) >= 30
    assert len({p.read_text().strip() for p in SHIPPED}) == len(SHIPPED)
    with ThreadPoolExecutor(4) as pool:
        results = dict(zip(SHIPPED, pool.map(_validate, SHIPPED), strict=True))
    illegal = {p.name: r.stderr.strip() for p, r in results.items() if r.returncode != 0}
    assert not illegal


def test_sampling_is_seeded_and_pairs_differ():
    _, pool = load_pool("gen1ou", None)
    assert pool.pairs(10, seed=5) == pool.pairs(10, seed=5)
    assert pool.pairs(10, seed=5) != pool.pairs(10, seed=6)
    assert all(x != y for x, y in pool.pairs(50, seed=1))


def test_metamon_style_team_files_are_a_pool(tmp_path):
    for path in SHIPPED[:3]:
        shutil.copy(path, tmp_path / f"{path.stem}.gen1ou_team")
    info, pool = load_pool("gen1ou", tmp_path)
    assert info.needs_team and len(pool.teams) == 3
    assert all(team.name.endswith(".gen1ou_team") and team.packed for team in pool.teams)


def test_random_battle_formats_need_no_teams():
    info, pool = load_pool("gen1randombattle", None)
    assert not info.needs_team and pool is None
