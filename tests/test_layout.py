"""The test tree is a package tree: a folder without ``__init__.py`` would put
itself on sys.path, and ``tests/core`` or ``tests/bots/telegram`` would then
shadow the real ``core`` package or python-telegram-bot."""

from pathlib import Path

TESTS = Path(__file__).parent


def test_every_test_folder_is_a_package() -> None:
    missing = [
        str(folder.relative_to(TESTS))
        for folder in TESTS.rglob("*")
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
    ]
    assert missing == []
