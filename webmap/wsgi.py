"""WSGI entry point for production servers:

    gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:8000 'webmap.wsgi:app'

Building the app at import is this module's whole job, so nothing else imports it.
Settings come from the WEBMAP_* environment variables; invalid data raises DataError
here, the workers fail to boot and gunicorn exits instead of serving half the data.
"""

from .web.app import create_app

app = create_app()
