"""Liquid templates (``python-liquid``): checked at save time, rendered sandboxed at sending time.

The engine only reads the mappings and lists it is given (no attribute access to Python objects); the
``include``/``render`` tags are removed (a template cannot read another file), and loops, output size and
nesting are bounded. At save time a template that does not parse, uses an unknown filter, or names a
``member.*`` merge property that does not exist is a 422 naming the content attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from loyaltyhub.members.properties import TEXT_PROPERTIES

if TYPE_CHECKING:
    from liquid import Environment

ErrorList = list[tuple[tuple[str | int, ...], str, dict[str, Any]]]

TEMPLATE_TYPES = ("plain", "email", "bee_email", "push", "generic")
WRITABLE_TYPES = ("plain", "email", "push", "generic")
TEXT_KEYS = ("subject", "body", "preheader", "url", "uri", "image_url")
OBJECT_KEYS = ("data", "android_payload", "ios_payload", "bee_json")
CONTENT_KEYS: dict[str, tuple[str, ...]] = {
    "plain": ("body",),
    "email": ("subject", "body", "preheader"),
    "bee_email": ("subject", "body", "preheader", "bee_json"),
    "push": ("subject", "body", "url", "uri", "image_url", "data", "android_payload", "ios_payload"),
    "generic": ("subject", "body", "preheader", "url", "uri", "image_url", "data"),
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {"plain": ("body",), "email": ("body",), "push": ("body",), "generic": ()}
CHANNEL_TEMPLATES: dict[str, tuple[str, ...]] = {
    "sms": ("plain", "generic"),
    "email": ("email", "bee_email", "plain", "generic"),
    "push": ("push", "plain", "generic"),
}
WRAPPABLE_WITH: dict[str, tuple[str, ...]] = {
    "plain": ("generic", "email", "bee_email", "push", "plain"),
    "generic": ("generic", "email", "bee_email", "push"),
    "email": ("generic", "email", "bee_email"),
    "push": ("generic", "push"),
    "bee_email": ("generic",),
}
MAX_TEXT = 100_000

MEMBER_MERGE_PROPERTIES: dict[str, str] = {
    "id": "The member's id",
    "secret_id": "The member's secret id (authorizes the member in some services)",
    "msisdn": "The member's MSISDN",
    "email": "The member's e-mail address",
    "app_token": "The member's latest push app token",
    **{key: f"The member's {key.replace('_', ' ')} property" for key in TEXT_PROPERTIES},
    "birthday": "The member's birthday (YYYY-MM-DD)",
    "zip_code": "The member's zip code",
    "country": "The member's country",
    "language": "The member's language",
    "interests": "The member's interests (a list)",
    "properties": "Every property of the member, custom ones included: member.properties.<key>",
}
RECIPIENT_MERGE_PROPERTIES: dict[str, str] = {
    "member_id": "The recipient's member id (members only)",
    "msisdn": "The recipient's MSISDN",
    "email": "The recipient's e-mail address",
    "app_token": "The recipient's app token",
}
"""Top-level names every recipient has; the keys of a recipient's and the sending's ``properties`` join
them at sending time."""
ROOTS = frozenset({"member", "dmp", "content", *RECIPIENT_MERGE_PROPERTIES})


@cache
def environment() -> Environment:
    """The sandboxed engine (``liquid`` is imported here, on first use: the serving process does not load
    it until a template is checked or rendered)."""
    from liquid import Environment, Undefined

    class _Sandbox(Environment):
        """Bounded rendering: no file access, bounded loops, output and nesting."""

        context_depth_limit = 30
        loop_iteration_limit = 10_000
        local_namespace_limit = 100_000
        output_stream_limit = 1_000_000

    env = _Sandbox(undefined=Undefined)
    for tag in ("include", "render"):
        env.tags.pop(tag, None)
    return env


def check_text(source: str, path: tuple[str | int, ...], errors: ErrorList) -> None:
    """Parse one content attribute; record a syntax error, an unknown filter or an unknown ``member.*``."""
    from liquid.exceptions import LiquidError

    env = environment()
    try:
        template = env.from_string(source)
    except LiquidError as exc:
        errors.append((path, "invalid_template", {"message": str(exc).splitlines()[0]}))
        return
    try:
        filters = template.filter_names()
        segments = template.global_variable_segments()
    except LiquidError as exc:  # pragma: no cover - analysis of a parsed template
        errors.append((path, "invalid_template", {"message": str(exc).splitlines()[0]}))
        return
    for name in sorted(set(filters) - set(env.filters)):
        errors.append((path, "unknown_filter", {"filter": name}))
    for segment in segments:
        known = len(segment) < 2 or segment[0] != "member" or segment[1] in MEMBER_MERGE_PROPERTIES
        if not known:
            errors.append((path, "unknown_merge_property", {"property": f"member.{segment[1]}"}))


def check_content(
    template_type: str, content: Any, path: tuple[str | int, ...], errors: ErrorList
) -> dict[str, Any] | None:
    """The content of a template of ``template_type``, checked: known keys for the type, strings for text
    attributes (parsed as Liquid), objects for the others, required keys present."""
    if not isinstance(content, dict):
        errors.append((path, "invalid_type", {"expected": "object"}))
        return None
    allowed = CONTENT_KEYS[template_type]
    before = len(errors)
    for key, value in content.items():
        at = (*path, key)
        if key not in allowed:
            errors.append((at, "unknown_attribute", {}))
        elif key in TEXT_KEYS:
            if value is None:
                continue
            if not isinstance(value, str):
                errors.append((at, "invalid_type", {"expected": "string"}))
            elif len(value) > MAX_TEXT:
                errors.append((at, "too_long", {"max_length": MAX_TEXT}))
            else:
                check_text(value, at, errors)
        elif value is not None and not isinstance(value, dict):
            errors.append((at, "invalid_type", {"expected": "object"}))
    for key in REQUIRED_KEYS.get(template_type, ()):
        if not isinstance(content.get(key), str) or not content[key].strip():
            errors.append(((*path, key), "blank", {}))
    if len(errors) > before:
        return None
    return {key: value for key, value in content.items() if value is not None}


@lru_cache(maxsize=512)
def _parsed(source: str) -> Any:
    """A template's text parsed once (a sending renders the same few texts for every recipient)."""
    return environment().from_string(source)


def render_text(source: str, data: Mapping[str, Any]) -> str:
    return _parsed(source).render(**data)  # type: ignore[no-any-return]


def render_content(content: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Every text attribute rendered; object attributes as they are."""
    return {key: render_text(value, data) if key in TEXT_KEYS else value for key, value in content.items()}


def wrap(content: Mapping[str, Any], wrapper: Mapping[str, Any] | None) -> dict[str, Any]:
    """Each attribute of ``content`` injected into the ``{{ content }}`` of the wrapper's same attribute;
    an attribute the wrapper lacks is left as it is (not recursive)."""
    if not wrapper:
        return dict(content)
    result = dict(content)
    for key, value in content.items():
        outer = wrapper.get(key)
        if key in TEXT_KEYS and isinstance(outer, str) and isinstance(value, str):
            result[key] = outer.replace("{{ content }}", value).replace("{{content}}", value)
    return result
