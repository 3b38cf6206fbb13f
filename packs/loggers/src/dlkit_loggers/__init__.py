"""The loggers pack: TensorBoard and MLflow beside the CSV logger and W&B: `logger=tensorboard`, `mlflow`, `many`."""
