"""Gradient flow: each layer's gradient norm, and the spread of its activations, over training.

Backprop multiplies the gradient by every layer's derivative on its way back: saturating
activations (sigmoid, tanh) or a bad initialization shrink it layer by layer until the first
layers stop learning (vanishing), too large weights or learning rates blow it up (exploding).
This callback shows both, and warns naming the layer:

- every `every_n_steps` optimizer steps (the Trainer's `log_every_n_steps` unless given) and at
  step 0, it takes each parameter's gradient norm with Lightning's `grad_norm` before the
  optimizer step (and before clipping), and the standard deviation of each activation layer's
  output in that step's forward pass (forward hooks, set for that step only);
- the norms go to the loggers (`grad_2.0_norm/<parameter>`), and `gradient_flow.csv` and
  (unless `plot` is false) `gradient_flow.png` to the run folder when fitting ends;
- a warning, once per run, when the first layer's weight gradient falls below
  `vanishing_ratio` times the last layer's, or a weight gradient grows past `exploding_norm`.

Reading a norm makes the host wait for the device, so it happens on those steps only: every
other step runs as it would without the callback.
"""

import logging
from functools import partial

import lightning.pytorch as L
import torch
from lightning.pytorch.utilities import grad_norm

from dlkit.models.nets.activations import ACTIVATIONS
from dlkit.runs.folder import RunFolder
from dlkit_diagnostics.files import GRADIENT_FLOW_CSV, GRADIENT_FLOW_PNG

log = logging.getLogger(__name__)

ACTIVATION_LAYERS = tuple(ACTIVATIONS.values())


class GradientFlow(L.Callback):
    def __init__(
        self,
        output_dir: str,
        every_n_steps: int | None = None,
        vanishing_ratio: float | None = 1e-3,
        exploding_norm: float | None = 1e3,
        norm_type: float = 2.0,
        plot: bool = True,
    ) -> None:
        self.folder = RunFolder(output_dir)
        self.every_n_steps = every_n_steps
        self.vanishing_ratio = vanishing_ratio
        self.exploding_norm = exploding_norm
        self.norm_type = norm_type
        self.plot = plot  # False: gradient_flow.csv only (a lesson draws its own figure from it)
        #: one row per measurement: step, kind ("grad_norm" or "activation_std"), layer, value
        self.records: list[dict] = []
        self._hooks: list = []
        self._spreads: dict[str, torch.Tensor] = {}
        self._warned: set[str] = set()

    def _due(self, trainer: L.Trainer) -> bool:
        return trainer.global_step % (self.every_n_steps or trainer.log_every_n_steps) == 0

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._warned = set()

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, *args) -> None:
        if self._due(trainer) and not self._hooks:
            for name, module in pl_module.named_modules():
                if isinstance(module, ACTIVATION_LAYERS):
                    hook = partial(self._keep_spread, _short(name))
                    self._hooks.append(module.register_forward_hook(hook))

    def _keep_spread(self, name: str, module, inputs, output: torch.Tensor) -> None:
        self._spreads[name] = output.detach().float().std()  # stays on the device until read

    def on_before_optimizer_step(self, trainer: L.Trainer, pl_module: L.LightningModule, optimizer):
        if not self._due(trainer):
            return
        norms = grad_norm(pl_module, self.norm_type)  # its total norm reads the device too
        if not norms:  # no gradients this step (all parameters frozen)
            return
        prefix = f"grad_{float(self.norm_type)}_norm/"
        weights = [
            n for n, p in pl_module.named_parameters() if p.ndim >= 2 and prefix + n in norms
        ]
        spreads = self._spreads  # the last forward pass of this step (gradient accumulation)
        names = [*norms, *spreads]
        values = torch.stack([*norms.values(), *spreads.values()]).float().tolist()
        measured = dict(zip(names, values, strict=True))  # read on measured steps only
        step = trainer.global_step
        for logger in trainer.loggers:
            logger.log_metrics({k: measured[k] for k in norms}, step=step)
        self._spreads = {}  # read: the next measured step records its own
        layers = [(_short(n), measured[prefix + n]) for n in weights]
        self.records += [dict(step=step, kind="grad_norm", layer=n, value=v) for n, v in layers]
        self.records += [
            dict(step=step, kind="activation_std", layer=n, value=measured[n]) for n in spreads
        ]
        if layers and trainer.is_global_zero:
            self._warn(step, layers)

    def on_train_batch_end(self, trainer: L.Trainer, *args, **kwargs) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks = []

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.records:
            from dlkit_diagnostics.gradient_flow_plot import (  # matplotlib
                plot_gradient_flow,
                write_records,
            )

            write_records(self.records, self.folder.picture(GRADIENT_FLOW_CSV))
            if self.plot:
                plot_gradient_flow(self.records, self.folder.picture(GRADIENT_FLOW_PNG))

    def _warn(self, step: int, layers: list[tuple[str, float]]) -> None:
        (first, first_norm), (last, last_norm) = layers[0], layers[-1]
        ratio = self.vanishing_ratio
        if ratio is not None and "vanishing" not in self._warned and first_norm < ratio * last_norm:
            self._warned.add("vanishing")
            log.warning(
                "gradient flow: at step %d the gradient of the first layer (%s) is %.2g, %.2g "
                "times that of the last layer (%s, %.2g), below callbacks.gradient_flow."
                "vanishing_ratio=%g: the gradients vanish before they reach the first layers. "
                "Try model.net.activation=relu, model.net.norm=true or model.net.init=kaiming_normal",
                step, first, first_norm, first_norm / last_norm, last, last_norm, ratio,
            )  # fmt: skip
        layer, norm = max(layers, key=lambda item: item[1])
        limit = self.exploding_norm
        if limit is not None and "exploding" not in self._warned and not norm <= limit:  # NaN too
            self._warned.add("exploding")
            log.warning(
                "gradient flow: at step %d the gradient of %s is %.3g, above callbacks."
                "gradient_flow.exploding_norm=%g: the gradients explode. Lower the learning rate "
                "(optimizer.lr=…), clip the gradients (trainer.gradient_clip_val=1.0) or add batch "
                "norm (model.net.norm=true)",
                step, layer, norm, limit,
            )  # fmt: skip

    def state_dict(self) -> dict:
        return {"records": self.records}

    def load_state_dict(self, state_dict: dict) -> None:
        self.records = list(state_dict["records"])


def _short(name: str) -> str:
    """`net.layers.3.weight` -> `layers.3`: the layer, as a plot's axis names it."""
    name = name.removeprefix("net.")
    return name.removesuffix(".weight")
