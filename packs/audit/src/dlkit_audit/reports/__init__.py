"""What an audit reports on the test split: calibration, the most confident mistakes, the scores
per group (numbers and pictures) and their console tables."""
