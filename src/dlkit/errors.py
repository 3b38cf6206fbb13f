"""The errors a user can fix: each message names the cause and the fix.

`make train` and the other entry points end on one of these with that message alone, exit code 2
and no traceback (`dlkit.runs.startup.end_on_bad_input`); in a sweep only that job fails.
"""


class BadInput(ValueError):
    """Input that cannot give a sensible run; not a bug of the template."""


class ConfigError(BadInput):
    """A configuration that cannot give a sensible run (a type, a range, an unknown key)."""


class DataError(BadInput):
    """Data that cannot be trained on as given (missing files, wrong columns, bad shapes...)."""
