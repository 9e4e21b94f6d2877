"""Errors the engine raises, with messages written for the person who will read them."""


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class ImageError(EngineError):
    """An input image cannot be used: not an image, truncated, too large, empty..."""


class WeightsError(EngineError):
    """The backbone's weights are missing or do not fit the network."""
