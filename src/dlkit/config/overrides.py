"""Hydra override strings (`key=value`) as the entry points rewrite them: keys and quoted values."""

import re
from pathlib import Path

# `key=~/…` or `key=~`: a home folder where Hydra's parser expects a value (it reads a leading
# `~` as its delete operator, `~key`, and stops with a lexer error)
_HOME_VALUE = re.compile(r"^([^=~][^=]*)=~(?=/|$)")


def override_key(override: str) -> str:
    """`trainer.max_epochs` of `trainer.max_epochs=3`, `+trainer.x=1` and `~callbacks.y`."""
    return override.split("=", 1)[0].lstrip("+~")


def quoted(value: str | Path) -> str:
    """A value (a path: it may hold `=`, `,` or spaces) as Hydra's override parser reads it back."""
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expand_home(override: str) -> str:
    """`data.path=~/photos` as `data.path=/home/me/photos`: a shell would have expanded it."""
    return _HOME_VALUE.sub(lambda m: f"{m.group(1)}={Path.home()}", override)
