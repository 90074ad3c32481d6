"""arena as a package: a wheel installed outside the checkout sets up and plays."""

import os
import subprocess
import sys
import sysconfig
import venv

from setuptools import find_packages

from tests.conftest import REPO


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists packages by hand (config/ is mapped in): none may be forgotten."""
    import tomllib

    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = set(find_packages(str(REPO), include=["arena*", "models*", "training*"]))
    installed = {name if name.startswith("arena") else f"arena.{name}" for name in found}
    assert installed - {"arena.showdown.node_modules"} <= listed - {"arena.shipped"}
    assert not any(name.split(".")[0] in ("models", "training") for name in listed)


def test_wheel_installs_sets_up_and_plays(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation"]
        + ["-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "is absent from the `packages` configuration" not in build.stdout + build.stderr
    (wheel,) = wheels.glob("arena-*.whl")
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies come from the test's own environment (its .pth files, the
    # checkout's editable arena among them, are not read from there): arena from the wheel
    (tmp_path / "venv" / site.split(str(target) + "/")[1] / "deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ARENA_HOME")
    } | {"ARENA_HOME": str(tmp_path / "home")}
    away = tmp_path / "elsewhere"  # a user's project, with packages of the usual names
    for package in ("models", "training"):
        (away / package).mkdir(parents=True)
        (away / package / "__init__.py").write_text(f"USERS = {package!r}\n")
    arena = str(target / "bin" / "arena")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [arena, *args], cwd=away, env=env, capture_output=True, text=True, timeout=600
        )

    where = subprocess.run(
        [python, "-c", "import arena; print(arena.__file__)"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(target)), where
    setup = run("setup")
    assert setup.returncode == 0, setup.stderr
    assert (tmp_path / "home" / "showdown" / "node_modules" / "pokemon-showdown").is_dir()
    assert (tmp_path / "home" / "web" / "node_modules" / "uplot" / "dist").is_dir()
    web_files = target / site.split(str(target) + "/")[1] / "arena" / "web"
    assert (web_files / "templates" / "tournament.html").is_file()
    assert (web_files / "static" / "arena.js").is_file()
    assert run("--help").returncode == 0
    for transport in ("direct", "server"):  # the packaged simulator host, then a server
        battle = run("battle", "random", "max-power", "--games", "2", "--transport", transport)
        assert battle.returncode == 0, battle.stderr
        assert "random" in battle.stdout and "max-power" in battle.stdout
    assert list((tmp_path / "home" / "run").glob("server-*.log"))
    module = subprocess.run(  # python -m arena from the user's project plays the base model
        [python, "-m", "arena", "battle", "base", "max-power", "--games", "2"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert module.returncode == 0, module.stderr
    imports = (
        "import arena.matchmaking.tournament, arena.models.registry, arena.training.learn.trainer;"
        "import models, training; print(models.USERS, training.USERS)"
    )
    both = subprocess.run(
        [python, "-c", imports], cwd=away, env=env, capture_output=True, text=True, check=True
    )
    assert both.stdout.split() == ["models", "training"]
