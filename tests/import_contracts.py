"""An import-linter contract type that counts imports the way Python runs them.

Importing `a.b.c` first runs `a/__init__.py` and `a/b/__init__.py`; grimp's graph leaves those out, so a
workflow that reached an SDK only through a package `__init__` (workflows -> creatorflow.metrics ->
creatorflow.shipping.errors -> creatorflow/shipping/__init__.py -> easypost) kept the plain `forbidden`
contract. This one adds the implied child -> parent imports to a copy of the graph before checking.
"""

from __future__ import annotations

import copy

from grimp import ImportGraph
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.domain.contract import ContractCheck


class ForbiddenThroughPackagesContract(ForbiddenContract):
    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        as_run = copy.deepcopy(graph)
        for module in list(as_run.modules):
            package = module.rpartition(".")[0]
            if package in as_run.modules:
                as_run.add_import(importer=module, imported=package)
        return super().check(as_run, verbose)
