"""The audit pack: `make audit` (calibration, the most confident mistakes, metrics per group)
and `make explain` (Captum attributions) of a trained model."""
