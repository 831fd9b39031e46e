"""Every string exists in English and French, with the same placeholders."""

import json
from pathlib import Path
import re
from typing import Any

COMPONENT = Path(__file__).parents[1] / "custom_components" / "nexus"


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def load(name: str) -> dict[str, str]:
    return flatten(json.loads((COMPONENT / name).read_text(encoding="utf-8")))


def test_english_is_strings_json() -> None:
    assert load("translations/en.json") == load("strings.json")


def test_french_is_complete() -> None:
    english, french = load("translations/en.json"), load("translations/fr.json")
    assert french.keys() == english.keys()
    for key, text in english.items():
        assert set(re.findall(r"{\w+}", french[key])) == set(re.findall(r"{\w+}", text)), key
    untranslated = [k for k, v in english.items() if french[k] == v and len(v) > 12]
    assert not untranslated


def test_every_entity_has_an_icon() -> None:
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))["entity"]
    names = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))["entity"]
    for platform, entities in names.items():
        assert set(entities) == set(icons[platform]), platform
