"""The matcher's version, stored in every saved index."""

__version__ = "0.2.0"
