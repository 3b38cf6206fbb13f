"""Hydra override strings (`key=value`) as the entry points rewrite them: keys and quoted values."""

from pathlib import Path


def override_key(override: str) -> str:
    """`trainer.max_epochs` of `trainer.max_epochs=3`, `+trainer.x=1` and `~callbacks.y`."""
    return override.split("=", 1)[0].lstrip("+~")


def quoted(value: str | Path) -> str:
    """A value (a path: it may hold `=`, `,` or spaces) as Hydra's override parser reads it back."""
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
