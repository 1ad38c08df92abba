#!/usr/bin/env python3
"""validate_json.py SCHEMA_DIR [FILE|-]...: each input is exactly one JSON document
(nothing before or after it) that validates against the schema it names.

The document's "schema" field ("mtlscert.bundle-check/3") picks
SCHEMA_DIR/bundle-check.schema.json, which must pin that very name; that file and
envelope.schema.json are loaded from SCHEMA_DIR only (no network). Exit 0 when every
input is valid, 1 otherwise with one line per problem on stderr.
"""
import json
import os
import re
import sys

import jsonschema


def load_store(schema_dir):
    store = {}
    for name in os.listdir(schema_dir):
        if name.endswith(".schema.json"):
            with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
                schema = json.load(f)
            store[schema["$id"]] = schema
    return store


def validator_for(schema, store):
    cls = jsonschema.validators.validator_for(schema)
    try:  # jsonschema >= 4.18: the referencing registry
        from referencing import Registry, Resource
        registry = Registry().with_resources((uri, Resource.from_contents(s)) for uri, s in store.items())
        return cls(schema, registry=registry)
    except ImportError:  # Debian 12's jsonschema 4.10: RefResolver with a store
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return cls(schema, resolver=resolver)


def check(text, where, schema_dir, store):
    if not text.strip():
        return [f"{where}: empty output, expected one JSON document"]
    try:
        doc, end = json.JSONDecoder().raw_decode(text.lstrip())
    except json.JSONDecodeError as e:
        return [f"{where}: not JSON: {e}"]
    rest = text.lstrip()[end:]
    if rest.strip():
        return [f"{where}: more than one document, or text after it: {rest.strip()[:60]!r}"]
    name = doc.get("schema") if isinstance(doc, dict) else None
    m = re.fullmatch(r"mtlscert\.([a-z-]+)/([0-9]+)", name or "")
    if not m:
        return [f"{where}: no valid 'schema' field: {name!r}"]
    path = os.path.join(schema_dir, m.group(1) + ".schema.json")
    if not os.path.exists(path):
        return [f"{where}: no published schema for {name} ({path})"]
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    pinned = schema.get("properties", {}).get("schema", {}).get("const")
    if pinned != name:
        return [f"{where}: {name} but {os.path.basename(path)} describes {pinned} (bump the schema file)"]
    errors = sorted(validator_for(schema, store).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{where}: {name}: at /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir = argv[1]
    store = load_store(schema_dir)
    problems = []
    for arg in argv[2:] or ["-"]:
        text = sys.stdin.read() if arg == "-" else open(arg, encoding="utf-8", errors="replace").read()
        problems += check(text, "stdin" if arg == "-" else arg, schema_dir, store)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
