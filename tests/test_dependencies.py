"""requirements.lock, which `make install` installs, pins every dependency pyproject.toml
declares at a version its range allows: a dependency added or raised without `make lock`
fails here, not on the next fresh machine."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in lines]


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if "==" in text:
            name, version = text.split(";", 1)[0].split("==", 1)
            pins[canonicalize_name(name.split("[", 1)[0])] = version.strip()
    return pins


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    pins = pinned()
    wrong = {
        str(req): pins.get(canonicalize_name(req.name), "missing")
        for req in declared()
        if canonicalize_name(req.name) not in pins
        or not req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)
    }
    assert wrong == {}, "run `make lock` and commit requirements.lock"


def test_the_lock_is_what_make_install_installs() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r $(LOCK)" in makefile
    assert "LOCK := requirements.lock" in makefile
    assert "--no-deps -e ." in makefile
