"""No dependency range admits a release known bad (requirements/known_bad_releases.toml, each
with its advisory), in pyproject.toml, in any pack's, or in the lock: a user who installs
without the lock gets no compromised or vulnerable release either."""

import re
from itertools import product

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.helpers import ROOT

KNOWN_BAD = tomllib.loads((ROOT / "requirements" / "known_bad_releases.toml").read_text())["bad"]
PROJECTS = [ROOT / "pyproject.toml", *sorted(ROOT.glob("packs/*/pyproject.toml"))]


def requirements(pyproject) -> list[Requirement]:
    """Every requirement of a pyproject.toml: its dependencies and each extra's."""
    project = tomllib.loads(pyproject.read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [Requirement(line) for group in [project["dependencies"], *extras] for line in group]


def bad_releases_admitted(allowed: SpecifierSet, bad: SpecifierSet) -> list[str]:
    """Versions that both specifier sets admit. Membership can only change at a version one of
    them names, so the named versions and their neighbours (each part of the release one up or
    down: 1.3.3 and 1.3.5 beside 1.3.4) are enough to find an overlap."""
    named = {Version(spec.version.rstrip(".*")) for spec in [*allowed, *bad]}
    candidates = set(named)
    for version, (index, step) in product(named, product(range(3), (-1, 1))):
        release = [*version.release, 0, 0][:3]
        release[index] = max(release[index] + step, 0)
        candidates.add(Version(".".join(map(str, release))))
    return sorted(str(v) for v in candidates if v in allowed and v in bad)


def test_the_table_names_the_advisories_of_the_floors():
    rows = {(row["package"], row["releases"]) for row in KNOWN_BAD}
    assert ("lightning", "==2.6.2") in rows and ("lightning", ">=2.6.4,<2.6.6") in rows
    assert ("hydra-core", "<1.3.4") in rows
    assert all(re.search(r"GHSA-|PYSEC-|refuses", row["advisory"]) for row in KNOWN_BAD)


@pytest.mark.parametrize(
    "pyproject", PROJECTS, ids=lambda p: "core" if p.parent == ROOT else p.parent.name
)
def test_no_range_admits_a_release_known_bad(pyproject):
    problems = []
    for requirement in requirements(pyproject):
        for row in KNOWN_BAD:
            if canonicalize_name(requirement.name) != canonicalize_name(row["package"]):
                continue
            if admitted := bad_releases_admitted(
                requirement.specifier, SpecifierSet(row["releases"])
            ):
                problems.append(f"{requirement} admits {', '.join(admitted)}: {row['advisory']}")
    assert not problems, "\n".join(problems)


def test_the_lock_pins_no_release_known_bad():
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = Version(version.strip())
    for row in KNOWN_BAD:
        pinned = pins.get(canonicalize_name(row["package"]))
        assert pinned is not None and pinned not in SpecifierSet(row["releases"]), row


def test_the_check_finds_an_old_range():
    """The range pyproject.toml had before the floors: it admitted 2.6.4 and 2.6.5."""
    old = SpecifierSet(">=2.4,!=2.6.2,!=2.6.3")
    assert bad_releases_admitted(old, SpecifierSet(">=2.6.4,<2.6.6")) == ["2.6.4", "2.6.5"]
    assert bad_releases_admitted(SpecifierSet(">=1.3.2"), SpecifierSet("<1.3.4")) == [
        "1.3.2",
        "1.3.3",
    ]
    assert not bad_releases_admitted(SpecifierSet(">=2.6.6"), SpecifierSet(">=2.6.4,<2.6.6"))
