"""From a finished run: its checkpoint evaluated, used for predictions, or exported."""
