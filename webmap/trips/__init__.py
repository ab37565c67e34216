"""The trip feature, framework-free: ``data`` (trips.json: anchors, visit defaults, themed
trips), ``planner`` (ordering stops and the timetable), ``itinerary`` (a request parsed
and resolved against the catalogue), ``writers`` (CSV, GPX, iCalendar). The web adapter
is ``webmap.web.trips``. This file imports nothing, so ``webmap.trips.data`` can be loaded
by the catalogue without pulling in the rest."""
