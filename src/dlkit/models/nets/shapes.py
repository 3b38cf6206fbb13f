"""The sample shapes each net takes, checked when it is built, before a forward pass fails obscurely.

The data modules give every net `input_shape`: [C, H, W] for images, [T, F] for sequences
(T steps of F features), [F] for tables.
"""

from dlkit.errors import ConfigError


def check_sequence_shape(net_name: str, input_shape: tuple[int, ...]) -> None:
    if len(input_shape) != 2:
        raise ConfigError(
            f"{net_name} takes sequences [T, F], got input shape {tuple(input_shape)}"
        )


def check_image_shape(net_name: str, input_shape: tuple[int, ...]) -> None:
    if len(input_shape) != 3:
        raise ConfigError(
            f"{net_name} takes images [C, H, W], got input shape {tuple(input_shape)}"
        )
