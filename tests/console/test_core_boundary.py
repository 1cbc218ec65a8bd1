"""The core runs without Qt: every console module imports with PySide6 made unimportable."""

import pkgutil
import subprocess
import sys

import console

QT_FREE_EXCEPTIONS = {"console.app.console_app"}  # the composition root wires Qt views by design

PROBE = """
import importlib, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6.") or name in ("qasync", "widgets"):
            raise ImportError(f"{name} is blocked: the core must not need Qt")
sys.meta_path.insert(0, BlockQt())
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ok")
"""


def test_every_core_module_imports_without_qt():
    names = [
        m.name
        for m in pkgutil.walk_packages(console.__path__, "console.")
        if m.name not in QT_FREE_EXCEPTIONS
    ]
    assert "console.hub.tessera_api" in names and "console.media.feed" in names
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *names],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_widgets_never_import_a_hub_driver():
    import pathlib

    for path in pathlib.Path("widgets").rglob("*.py"):
        text = path.read_text()
        assert "tessera_api" not in text and "demohub" not in text, path


def test_ijson_is_imported_only_by_the_hub_json_reader():
    import ast
    import pathlib

    def imports_ijson(path: pathlib.Path) -> bool:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                if any(alias.name.split(".")[0] == "ijson" for alias in node.names):
                    return True
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ijson":
                return True
        return False

    importers = {
        path.as_posix()
        for root in ("console", "widgets")
        for path in pathlib.Path(root).rglob("*.py")
        if imports_ijson(path)
    }
    assert importers == {"console/hub/sliced_json.py"}
