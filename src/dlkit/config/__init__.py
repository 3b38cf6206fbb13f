"""The composed config's own rules (checks before any work, resolvers, data/model fit), and the
folder the config files live in."""

from pathlib import Path

#: `configs/` of this checkout: every entry point composes from it, whatever folder it runs in.
CONFIG_DIR = Path(__file__).resolve().parents[3] / "configs"
