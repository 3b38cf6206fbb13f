"""Keep the console to what a user needs: each message once, no noise from the libraries."""

import logging
import warnings


class _DropMessages(logging.Filter):
    def __init__(self, *fragments: str) -> None:
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(fragment in record.getMessage() for fragment in self.fragments)


def quiet_libraries() -> None:
    """Call after Hydra has set up logging and before training starts."""
    # `import lightning` gives its logger a console handler of its own; Hydra's root handlers
    # already print every record (and write it to the run's log file), so each would show twice.
    logging.getLogger("lightning").handlers.clear()
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_DropMessages("litlogger"))
    # In-memory data sets are served whole batches per index lookup: worker processes would
    # only add overhead, so Lightning's advice to add them does not apply.
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    # The run folder already holds summary.json and the log file when the CSV logger starts.
    warnings.filterwarnings("ignore", ".*exists and is not empty.*")
    # Lightning's own use of a deprecated torch API; nothing a user can act on.
    warnings.filterwarnings("ignore", ".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*")
