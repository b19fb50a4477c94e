"""The staff console: a server-rendered web app at ``/console`` for the clubs' staff (offers, dashboard).

It sits above the domains, beside ``apidocs/``: its pages call the same services, schemas, permits,
tenancy layer and reporting engine as the APIs; nothing here holds business rules of its own. Pages are
Jinja2 templates with htmx and Chart.js served from ``static/`` (no CDN, no Node.js at install); see
``docs/decisions/console.md``.
"""
