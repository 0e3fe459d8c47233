"""policygen: a static site generator for versioned, multilingual privacy policies."""

__version__ = "0.1.0"
