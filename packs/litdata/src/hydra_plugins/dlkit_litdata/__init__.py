"""Hydra finds this plugin and adds the litdata pack's configs (`packs/litdata/configs/`) to the
config search path: its options join the core's groups, and leave with the pack."""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

from dlkit.config import add_pack_configs


class LitDataConfigs(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        add_pack_configs(search_path, __file__)
