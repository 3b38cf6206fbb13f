"""The loggers pack: TensorBoard and MLflow beside the core's CSV logger and W&B
(`logger=tensorboard`, `mlflow`, `many`)."""
