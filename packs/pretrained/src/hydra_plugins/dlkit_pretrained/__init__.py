"""Hydra finds this plugin and adds the pretrained pack's configs (`packs/pretrained/configs/`) to
the config search path: its options join the core's groups, and leave with the pack. Importing it
registers the pack's resolver (`timm_inputs`), which `model=timm` uses for `data.net_inputs`."""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import OmegaConf

from dlkit.config import add_pack_configs


def _timm_inputs(field: str, net):
    """The resolver, importing timm's side only when a config uses it (Hydra imports every
    plugin whenever a command starts)."""
    from dlkit_pretrained.timm_inputs import timm_inputs

    return timm_inputs(field, net)


if not OmegaConf.has_resolver("timm_inputs"):
    OmegaConf.register_new_resolver("timm_inputs", _timm_inputs)


class PretrainedConfigs(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        add_pack_configs(search_path, __file__)
