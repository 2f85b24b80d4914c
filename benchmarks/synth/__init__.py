"""Labelled syndication benchmark corpus generator (see ``build.build``)."""
from .build import build

__all__ = ["build"]
