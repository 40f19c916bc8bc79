"""Version 1 of the JSON API: one module per resource, all on ``core.bp``.

The modules are imported by ``webapp.api.init_app``, which registers their routes.
"""
