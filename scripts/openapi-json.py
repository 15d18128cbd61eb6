#!/usr/bin/env python3
"""Converts an OpenAPI YAML document to pretty-printed JSON, keeping the document's key order.

Usage: python3 openapi-json.py openapi.yaml openapi.json
"""
import json
import sys

import yaml


class _JsonShapedLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: an unquoted date stays a string, as JSON needs."""


_JsonShapedLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check_keys(node, where="$"):
    """Rejects non-string mapping keys (e.g. an unquoted 200), which JSON would silently rename."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is a {type(key).__name__}, quote it in the YAML")
            _check_keys(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_keys(value, f"{where}[{i}]")


def convert(src, dst):
    with open(src, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=_JsonShapedLoader)
    if not isinstance(doc, dict) or "openapi" not in doc:
        raise ValueError(f"{src}: not an OpenAPI document (no top-level `openapi` key)")
    _check_keys(doc)
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 openapi-json.py openapi.yaml openapi.json")
    try:
        convert(sys.argv[1], sys.argv[2])
    except (OSError, ValueError, yaml.YAMLError) as err:
        sys.exit(f"openapi-json: {err}")
