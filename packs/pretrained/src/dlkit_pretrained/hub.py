"""Pretrained weights from the torchvision and Hugging Face hubs, or one clear message offline.

The downloads are the libraries' own (`WeightsEnum.get_state_dict`, timm's `create_model(…,
pretrained=True)`), into their own caches, so a file downloaded once is found again without the
network. Where the hub cannot be reached, the run stops at once with one message naming the
weights, the cache folder they belong in and `model.net.weights=<file>` as the alternative:
huggingface_hub retries a failed connection with back-off for about a minute per file, and
urllib waits for the system's TCP time-out on a network that drops packets, so a short probe of
the host decides first (skipped behind a proxy, which only the libraries know how to use).
"""

import os
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from dlkit.errors import ConfigError

PROBE_TIMEOUT_S = 5.0
TRUE = ("1", "ON", "YES", "TRUE", "on", "yes", "true")  # huggingface_hub's spellings


def hub_reachable(url: str) -> bool:
    """Whether a connection to `url`'s host opens within a few seconds."""
    proxies = urllib.request.getproxies()
    if proxies.get("https") or proxies.get("http"):
        return True  # the libraries go through the proxy; a direct probe would say no
    host = urlparse(url).hostname or url
    try:
        socket.create_connection((host, 443), timeout=PROBE_TIMEOUT_S).close()
    except OSError:
        return False
    return True


def offline_error(weights: str, where: str, cache: str, error: object = None) -> ConfigError:
    reason = error or "no connection could be opened"
    return ConfigError(
        f"cannot download the pretrained weights {weights} from {where} ({reason}). "
        f"Download them once where there is internet into {cache} (the same command does it), "
        "or give a state dict saved from this architecture: model.net.weights=<file>"
    )


def torchvision_state_dict(weights) -> dict:
    """The state dict of a torchvision `WeightsEnum` member, from $TORCH_HOME or downloaded."""
    import torch.hub

    cache = Path(torch.hub.get_dir()) / "checkpoints"
    file = cache / os.path.basename(urlparse(weights.url).path)
    name = f"{type(weights).__name__}.{weights.name}"
    where_to = f"{cache} as {file.name} ($TORCH_HOME/hub/checkpoints)"
    if not file.is_file() and not hub_reachable(weights.url):
        raise offline_error(name, weights.url, where_to)
    try:
        return weights.get_state_dict(progress=False, check_hash=True)
    except OSError as error:  # urllib's URLError is an OSError
        raise offline_error(name, weights.url, where_to, error) from error


def timm_pretrained(name: str, **kwargs):
    """timm's `create_model(name, pretrained=True, **kwargs)`: from the Hugging Face cache
    ($HF_HUB_CACHE) when the file is there, downloaded otherwise."""
    import timm
    from timm.models import get_pretrained_cfg

    config = get_pretrained_cfg(name)
    repo, url = config.hf_hub_id, config.url
    if repo:
        cached = _hf_cached(repo)
        if cached:  # straight from the file: no request, so no retries where the hub is down
            overlay = {"file": cached, "source": ""}
            return timm.create_model(
                name, pretrained=True, pretrained_cfg_overlay=overlay, **kwargs
            )
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
        where_to = f"{constants.HF_HUB_CACHE} ($HF_HUB_CACHE)"
        offline = constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "") in TRUE
        if offline or not hub_reachable(endpoint):
            reason = "HF_HUB_OFFLINE is set" if offline else None
            raise offline_error(f"{repo} (timm {name})", endpoint, where_to, reason)
    elif url:  # timm's loader reads it through torch.hub's cache, as torchvision does
        import torch.hub

        cache = Path(torch.hub.get_dir()) / "checkpoints"
        where_to = (
            f"{cache} as {os.path.basename(urlparse(url).path)} ($TORCH_HOME/hub/checkpoints)"
        )
        if not (cache / os.path.basename(urlparse(url).path)).is_file() and not hub_reachable(url):
            raise offline_error(f"timm {name}", url, where_to)
    else:
        raise ConfigError(
            f"timm has no pretrained weights for {name}: set model.net.pretrained=false, or pick "
            "a name from timm.list_pretrained()"
        )
    try:
        return timm.create_model(name, pretrained=True, **kwargs)
    except OSError as error:  # a connection lost on the way, or an entry the hub lacks
        raise offline_error(f"timm {name}", repo or url, where_to, error) from error


def _hf_cached(repo: str) -> str | None:
    """The weights file of a hub repository in the local cache, if it was downloaded before."""
    from huggingface_hub import try_to_load_from_cache

    repo_id, _, revision = repo.partition("@")
    for filename in ("model.safetensors", "pytorch_model.bin"):
        path = try_to_load_from_cache(repo_id, filename, revision=revision or None)
        if isinstance(path, str):
            return path
    return None
