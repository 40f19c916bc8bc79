"""The app the browser journeys drive, served by gunicorn in a process of its own.

Settings come as JSON in ``INNOMATCH_TEST_CONFIG``. axe-core, when installed, is served by the
app itself at ``INNOMATCH_AXE_URL`` so that the page's Content-Security-Policy
(script-src 'self') lets the tests inject it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import send_file

from webapp import create_app

app = create_app(json.loads(os.environ.get("INNOMATCH_TEST_CONFIG", "{}")))
_axe_js = os.environ.get("INNOMATCH_AXE_JS")
if _axe_js:
    def _axe_script() -> Any:
        return send_file(_axe_js, mimetype="text/javascript")

    app.add_url_rule(os.environ["INNOMATCH_AXE_URL"], "browser_tests_axe", _axe_script)
