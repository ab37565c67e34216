"""Thin Flask adapters over the domain modules."""

from typing import Any

from flask import current_app, request

from ..catalogue import Catalogue
from ..catalogue.files import JsonError, parse_json
from ..settings import Settings


def catalogue() -> Catalogue:
    return current_app.extensions["webmap.catalogue"]


def settings() -> Settings:
    return current_app.extensions["webmap.settings"]


def json_body() -> Any:
    """The request body parsed as strict JSON (``None`` when it is not sent as JSON).

    Malformed JSON (nested 1,000 deep, a 5,000-digit number, a duplicate key,
    not UTF-8) is a 400 naming the body; a body over ``max_body_bytes`` is a 413."""
    if not request.is_json:
        return None
    from ..errors import ApiError

    try:
        # NaN/Infinity pass here: the request models refuse them naming the field.
        return parse_json(request.get_data(cache=True), constants=True)
    except JsonError as exc:
        raise ApiError(400, "invalid_json", f"body: {exc}", field="body") from None
