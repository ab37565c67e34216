"""Yungang District web map.

The package root imports nothing: every domain module loads without Flask. The web
application is built by :func:`webmap.web.app.create_app`; see docs/architecture.md.
"""
