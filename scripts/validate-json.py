#!/usr/bin/env python3
"""Validates tcpdoctor's JSON output against the schemas in docs/schema.

usage: validate-json.py SCHEMA_DIR FILE...

Each FILE is named SCHEMA--ANYTHING.json (for example sockets--info.json) and must hold exactly
one JSON document that SCHEMA_DIR/SCHEMA.json accepts. Prints every problem, one per line, and
exits 1 if there is any; exits 3 when the jsonschema module is missing (Debian: python3-jsonschema).
Works with jsonschema 4.10 (Debian 12, RefResolver) and with 4.18 and later (referencing).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("the python module jsonschema is missing (apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(3)


def load_schemas(directory):
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                schemas[name[:-5]] = json.load(handle)
    return schemas


def validator_for(schema, schemas):
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    try:
        from referencing import Registry, Resource
    except ImportError:
        store = {s["$id"]: s for s in schemas.values()}
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return cls(schema, resolver=resolver)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    return cls(schema, registry=registry)


def main(arguments):
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    schemas = load_schemas(arguments[0])
    problems = 0
    for path in arguments[1:]:
        name = os.path.basename(path).split("--", 1)[0]
        if name not in schemas:
            print(f"{path}: no schema {name}.json", file=sys.stderr)
            problems += 1
            continue
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        try:
            # json.loads rejects anything after the first document: exactly one document.
            document = json.loads(text)
        except json.JSONDecodeError as error:
            print(f"{path}: not exactly one JSON document: {error}", file=sys.stderr)
            problems += 1
            continue
        for error in sorted(validator_for(schemas[name], schemas).iter_errors(document), key=str):
            location = "/".join(str(part) for part in error.absolute_path)
            print(f"{path}: at /{location}: {error.message}", file=sys.stderr)
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
