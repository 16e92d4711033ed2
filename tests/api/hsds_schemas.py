"""Validators for the HSDS 3.0 schemas in ../shared/reference/hsds-3.0 (beside the clone)."""

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HSDS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "hsds-3.0"
BASE = "https://hsds.invalid/"


@lru_cache(maxsize=None)
def _registry() -> Registry:
    resources = []
    for path in HSDS_DIR.glob("*.json"):
        if path.name == "openapi.json":
            continue
        schema = json.loads(path.read_text())
        resources.append((BASE + path.name, Resource.from_contents(schema, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    """name: "compiled/service.json", "taxonomy.json", ... or "page" (the API's Page object)."""
    if name == "page":
        schema = json.loads((HSDS_DIR / "openapi.json").read_text())["components"]["schemas"]["Page"]
        schema = {**schema, "required": list(schema["properties"])}
    else:
        schema = {**json.loads((HSDS_DIR / name).read_text()), "$id": BASE + name}
    return Draft202012Validator(schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(instance, name: str) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def assert_page(body: dict, item_schema: str) -> None:
    assert_valid({k: v for k, v in body.items() if k != "contents"}, "page")
    assert isinstance(body["contents"], list)
    for item in body["contents"]:
        assert_valid(item, item_schema)
