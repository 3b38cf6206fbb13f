"""The composed config's own rules (checks before any work, resolvers, data/model fit), the
folder the config files live in, and how a pack adds its own."""

from pathlib import Path

#: `configs/` of this checkout: every entry point composes from it, whatever folder it runs in.
CONFIG_DIR = Path(__file__).resolve().parents[3] / "configs"


def add_pack_configs(search_path, plugin_file: str) -> None:
    """Add a pack's `configs/` to Hydra's search path, from its plugin's file
    (`packs/<pack>/src/hydra_plugins/<package>/__init__.py`). Appended: a pack adds options to
    the core's groups and never replaces one."""
    pack = Path(plugin_file).resolve().parents[3]
    search_path.append(provider=f"pack {pack.name}", path=f"file://{pack / 'configs'}")
