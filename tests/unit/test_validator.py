"""The validator's answers are kept per install: the same request is checked by Showdown
once, and another install, another checker or other teams are checked afresh."""

from arena.showdown import validator

REPLY = {
    "exists": True,
    "name": "[Gen 1] OU",
    "needsTeam": True,
    "gameType": "singles",
    "teams": [{"packed": "packed", "errors": []}],
}


def test_a_request_is_checked_once_per_install(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_HOME", str(tmp_path))
    lockfile = tmp_path / "showdown" / "package-lock.json"
    lockfile.parent.mkdir()
    lockfile.write_text("{}")
    monkeypatch.setattr(validator, "require_install", lambda: tmp_path)
    asked = []

    def validate(_install, request):
        asked.append(request)
        return REPLY

    monkeypatch.setattr(validator, "_validate", validate)
    first = validator.check("gen1ou", ["team"])
    assert validator.check("gen1ou", ["team"]) == first
    assert first[1][0].packed == "packed" and len(asked) == 1
    validator.check("gen1ou", ["another team"])
    lockfile.write_text('{"another": "install"}')
    validator.check("gen1ou", ["team"])
    assert len(asked) == 3


def test_an_install_without_its_lockfile_is_checked_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_HOME", str(tmp_path))
    monkeypatch.setattr(validator, "require_install", lambda: tmp_path)
    asked = []
    monkeypatch.setattr(validator, "_validate", lambda _install, request: asked.append(1) or REPLY)
    validator.check("gen1ou", ["team"])
    validator.check("gen1ou", ["team"])
    assert len(asked) == 2 and not (tmp_path / "cache").exists()
