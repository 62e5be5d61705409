"""diam: an open, self-hostable imaging-IT maturity assessment platform."""

__version__ = "0.1.0"
