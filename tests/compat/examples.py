"""The vendor's documented examples (``examples/*.json``) and how an answer is judged against one.

Each file holds the examples of one source page, as written there; an example is
``{"id", "source", "title", "request": {"method", "path", "query"?, "headers", "body"?},
"response": {"status", "body"?, "note"?, "differences"?}, "fixed"?, "skip"?}``.

- ``{name}`` in the path, query, header values and body strings is a value of the example's world
  (:mod:`tests.compat.world`); a body string that is only ``{name}`` takes the value's JSON type.
- ``fixed`` says what was corrected from a written example that contradicts its own page (a copy/paste
  error), and why; ``skip`` why the example is not sent (an area loyaltyhub does not serve, or a documented
  difference), listed in the suite's report; every other example must pass. ``differences`` names documented
  keys loyaltyhub does not answer, each with its reason; they are listed in the report too.
- The answer must have the documented status (any 2xx where the page states none) and every documented
  key, recursively (a list's first element against the answer's first element; an empty documented
  object ``{}`` stands for "see the model" and asks nothing; keys of data maps such as ``properties`` or
  localized texts are data, not names; a key answered with ``null`` is there, with nothing inside to compare).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent / "examples"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Objects whose keys are data (a member's properties, consents, localized texts, extras, series labels).
DATA_MAPS = frozenset({"properties", "consents", "extras", "name", "description", "title", "short_title", "label"})


@dataclass(frozen=True)
class Example:
    file: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}:{self.data['id']}"

    @property
    def skip(self) -> str | None:
        return self.data.get("skip")


def load() -> list[Example]:
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        document = json.loads(path.read_text())
        found += [Example(path.stem, example) for example in document["examples"]]
    ids = [example.id for example in found]
    assert len(ids) == len(set(ids)), "example ids repeat"
    return found


def fill(value: Any, world: dict[str, Any]) -> Any:
    """``value`` with its placeholders replaced by the world's values."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in world:
            return world[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(world.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    return value


def missing_keys(documented: Any, answered: Any, path: str = "", differences: Any = ()) -> list[str]:
    """The documented keys the answer lacks, as dotted paths, except the listed ``differences``."""
    if answered is None:
        return []  # the key is there; null holds no keys to compare
    if isinstance(documented, dict):
        if not isinstance(answered, dict):
            return [path or "."] if documented else []
        missing = []
        for key, value in documented.items():
            where = f"{path}.{key}" if path else key
            if where in differences:
                continue
            if key not in answered:
                missing.append(where)
            elif key not in DATA_MAPS:
                missing += missing_keys(value, answered[key], where, differences)
        return missing
    if isinstance(documented, list) and documented and isinstance(answered, list) and answered:
        return missing_keys(documented[0], answered[0], f"{path}[0]", differences)
    return []


def status_ok(documented: int | None, answered: int) -> bool:
    return answered == documented if documented is not None else 200 <= answered < 300
