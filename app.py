"""Development entry point: `python app.py` serves on 127.0.0.1:5000.

Tools address the package's factory instead: `flask --app app ...` and
gunicorn 'app:create_app()' (the `app/` package wins over this file on import).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    import importlib

    create_app = importlib.import_module("app").create_app
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), debug=False)
