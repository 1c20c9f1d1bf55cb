"""Every suite key has a meaning on the generated suite reference, and no meaning is stale."""

from harness.suite.keys import KEYS
from harness.suite.keys_page import reference_markdown, walk


def test_every_key_of_the_models_has_a_meaning_and_every_meaning_a_key():
    keys = [key for key, _, _ in walk()]
    assert [k for k in keys if k not in KEYS] == [], "add these keys to harness/suite/keys.py"
    assert sorted(set(KEYS) - set(keys)) == [], "these keys are gone from the suite models"


def test_the_page_lists_nested_keys_with_type_and_default():
    page = reference_markdown()
    assert "| `load.clients` | `list[int]` | `[1, 2, 4]` | closed-loop client counts |" in page
    assert "| `datasets[].split` | `str` | `'test'` |" in page
    assert "| `backends` | `list[BackendSpec]` | `[{'name': 'exact'}]` |" in page
    assert "| `costs.cores` | `int` | `4` |" in page
