"""AI Studio: brief + reference product photo -> finished marketing media."""

__version__ = "0.1.0"
