"""One name, one class, across the product's layers: a reader who sees `Label` knows which one it is."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PRODUCT = ("creatorflow", "workflows", "activities", "workers", "starter")
# Each provider's 429, named alike on purpose: the class name is the `error` label of
# creatorflow_*_api_errors_total and the type of the ApplicationError it becomes; always used qualified.
SAME_NAME_ON_PURPOSE = {
    "RateLimitedError": {"creatorflow/tiktok/errors.py", "creatorflow/shipping/errors.py"}
}


def test_no_two_classes_of_the_product_share_a_name() -> None:
    root = Path(__file__).resolve().parents[2]
    where: dict[str, set[str]] = defaultdict(set)
    for package in PRODUCT:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef):
                    where[node.name].add(path.relative_to(root).as_posix())
    twice = {name: files for name, files in where.items() if len(files) > 1}
    assert twice == SAME_NAME_ON_PURPOSE
