"""Thin Flask adapters over the domain modules."""

from flask import current_app

from ..catalogue import Catalogue
from ..settings import Settings


def catalogue() -> Catalogue:
    return current_app.extensions["webmap.catalogue"]


def settings() -> Settings:
    return current_app.extensions["webmap.settings"]
