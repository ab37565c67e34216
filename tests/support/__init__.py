"""Test helpers (not tests): the data folder, a live server, Chromium page watching,
synthetic data, the XSS corpus and a throwaway PostgreSQL cluster."""

from webmap.settings import PROJECT_ROOT

from .browser import ARTIFACTS, LiveServer, PageWatch, screenshot
from .data import DATA, edit_json

__all__ = ["ARTIFACTS", "DATA", "PROJECT_ROOT", "LiveServer", "PageWatch", "edit_json", "screenshot"]
