"""The one error type for bad data: its message names the cause and the fix."""


class DataError(ValueError):
    """Data that cannot be trained on as given (missing files, wrong columns, bad shapes...)."""
