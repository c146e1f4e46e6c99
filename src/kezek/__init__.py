"""Kezek: booking, live queue and capacity planning for offices facing a deadline surge."""

__version__ = "0.1.0"
