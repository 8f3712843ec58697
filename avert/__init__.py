"""Avert: software for an integrated Urgent Community Response (UCR) service."""

__version__ = "0.1.0"
