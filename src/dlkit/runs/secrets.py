"""API keys come from the environment or a git-ignored `.env`, and are never written anywhere.

The loggers read their keys from the environment themselves (W&B: WANDB_API_KEY, MLflow:
MLFLOW_TRACKING_TOKEN / MLFLOW_TRACKING_PASSWORD), so no config value needs to hold one. Should
one end up in the config anyway (`+logger.wandb.api_key=${oc.env:WANDB_API_KEY}`), its value is
masked in the saved config, the printed config tree and the logged hyperparameters, and the
value of every secret environment variable is masked in every log line (console and log file).
"""

import logging
import os
import re
from pathlib import Path

from dotenv import dotenv_values
from omegaconf import DictConfig, ListConfig, OmegaConf

MASK = "***"
# Environment variables whose values are secrets, and config keys that hold secrets ("token"
# as a word of its own: HF_TOKEN, access_token; not a text's `tokenizer` or `max_tokens`).
SECRET_NAME = re.compile(
    r"(api_?key|token(?![a-z])|password|passwd|secret|credential)", re.IGNORECASE
)


def load_dotenv(path: str | Path = ".env") -> list[str]:
    """Put the variables of `.env` into the environment (what is set already wins)."""
    loaded = []
    for name, value in dotenv_values(path).items():
        if value is not None and name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded


def secret_values() -> list[str]:
    """Values of the secret-named environment variables (long enough not to mask noise)."""
    return [v for k, v in os.environ.items() if SECRET_NAME.search(k) and len(v) >= 6]


def masked(cfg: DictConfig) -> DictConfig:
    """A copy of the config with every secret-named key's value replaced by ***."""
    copy = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    _mask(copy)
    return copy


def _mask(node) -> None:
    if isinstance(node, DictConfig):
        for key in node:
            child = node._get_node(key)
            if isinstance(child, (DictConfig, ListConfig)):
                _mask(child)
            elif SECRET_NAME.search(str(key)) and child._value() is not None:
                node[key] = MASK
    elif isinstance(node, ListConfig):
        for item in node:
            _mask(item)


class MaskSecrets(logging.Filter):
    """Replaces secret values in a log record's final text."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = secret_values()
        if not secrets:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for value in secrets:
            text = text.replace(value, MASK)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(value, MASK)
        record.msg, record.args = text, None
        return True


def mask_secrets_in_logs() -> None:
    """Install the filter on every handler of the root logger (console and log file)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskSecrets) for f in handler.filters):
            handler.addFilter(MaskSecrets())
