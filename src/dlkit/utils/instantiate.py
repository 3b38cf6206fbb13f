"""Instantiate the named entries of the `callbacks` and `logger` groups."""

import logging

import hydra
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def instantiate_named(group: DictConfig | None) -> list:
    """One object per entry with a `_target_`; entries set to null (removed) are skipped."""
    if not group:
        return []
    objects = []
    for name, entry in group.items():
        if isinstance(entry, DictConfig) and "_target_" in entry:
            log.debug("instantiating %s <%s>", name, entry._target_)
            objects.append(hydra.utils.instantiate(entry))
    return objects
