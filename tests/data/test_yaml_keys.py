"""Every YAML file under data/ has unique keys.

PyYAML keeps the last of two equal keys without a word, so a second
``invite:`` block silently replaced the organisation's chat-invite texts and
the page showed raw keys. This test reads each file with a loader that refuses
a repeated key in any mapping.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[2] / "data"
FILES = sorted(p for p in DATA.rglob("*.y*ml") if p.suffix in {".yml", ".yaml"})


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict:
    seen: dict[object, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} repeated (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def test_there_are_files_to_check() -> None:
    assert any(p.parts[-2:] == ("web", "de.yml") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_no_repeated_keys(path: Path) -> None:
    with path.open(encoding="utf-8") as fh:
        yaml.load(fh, Loader=_UniqueKeyLoader)
