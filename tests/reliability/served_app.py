"""The app gunicorn serves in the reliability tests: ``create_app`` with the JSON settings in
``INNOMATCH_TEST_CONFIG`` (database, cheap password hashing, generous rate limits)."""

from __future__ import annotations

import json
import os

from webapp import create_app

app = create_app(json.loads(os.environ.get("INNOMATCH_TEST_CONFIG", "{}")))
