import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"


def test_domain_modules_import_no_web_framework():
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                outside_domain = name.startswith("app.") and not name.startswith("app.domain")
                assert not name.startswith(("flask", "sqlalchemy")) and not outside_domain, (
                    f"{path.name} imports {name}")
