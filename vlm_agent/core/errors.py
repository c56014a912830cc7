"""Exceptions the core raises for bad input; nodes turn them into error statuses."""


class InputError(ValueError):
    """Input that cannot be processed (malformed image, missing calibration, bad command)."""
