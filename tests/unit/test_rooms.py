"""The house's rules, checked on the source: who may build storage, read the environment, import whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mam", "pipelines", "workers", "api", "cli", "config", "app")
#: a room may import only the rooms listed (and itself)
MAY_IMPORT = {
    "config": set(),
    "mam": {"config"},
    "pipelines": {"mam", "config"},
    "workers": {"mam", "pipelines", "config", "app"},
    "app": {"mam", "pipelines", "workers", "config"},
    "api": {"mam", "pipelines", "config", "app"},
    "cli": set(PACKAGES),
}
STORAGE_BUILDERS = {"open_storage", "storage_for", "LocalStorage", "S3Storage"}
ENV_READERS = {"config/settings.py", "app/bootstrap.py"}
OPENCV_ENV = "mam/analysis/cv.py"  # the one documented place that sets OpenCV's variables before cv2 loads


def modules() -> list[tuple[str, ast.Module]]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in rel:
                out.append((rel, ast.parse(path.read_text(), rel)))
    return out


def test_only_the_root_builds_storage():
    offenders = []
    for rel, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in STORAGE_BUILDERS and rel not in ("app/bootstrap.py", "mam/storage/__init__.py"):
                    offenders.append(f"{rel}:{node.lineno} {name}()")
    assert offenders == []


def test_only_settings_and_the_root_touch_the_environment():
    offenders = []
    for rel, tree in modules():
        for node in ast.walk(tree):
            env = (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv")
                   and getattr(node.value, "id", None) == "os")
            if env and rel not in ENV_READERS and rel != OPENCV_ENV:
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("room", PACKAGES)
def test_no_upward_imports(room):
    offenders = []
    for rel, tree in modules():
        if rel.split("/")[0] != room:
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            for name in names:
                top = name.split(".")[0]
                if top in PACKAGES and top != room and top not in MAY_IMPORT[room]:
                    offenders.append(f"{rel}:{node.lineno} imports {name}")
    assert offenders == []
