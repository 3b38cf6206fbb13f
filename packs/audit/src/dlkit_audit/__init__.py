"""The audit pack: audit a trained model: `make audit` (calibration, the most confident mistakes, metrics per group) and `make explain` (Captum attributions)."""
