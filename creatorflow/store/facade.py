"""`Store`: every read and write of the app database behind one object, built from one repository per
aggregate so each concern reads on its own (`shops`, `inbox`, `orders`, `stock`,
`cursors`, the seller's shipping `rules`, the shops' `warehouses`, the label `documents` we keep,
`alerts`, and TikTok's `finance` statements)."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from creatorflow.crypto import Keyring
from creatorflow.store.alerts import AlertRepository
from creatorflow.store.cursors import CursorRepository
from creatorflow.store.documents import DocumentRepository
from creatorflow.store.finance import FinanceRepository
from creatorflow.store.inbox import InboxRepository
from creatorflow.store.orders import OrderRepository
from creatorflow.store.rules import RulesRepository
from creatorflow.store.shops import ShopRepository
from creatorflow.store.stock import StockRepository
from creatorflow.store.warehouses import WarehouseRepository


class Store(
    ShopRepository,
    InboxRepository,
    OrderRepository,
    StockRepository,
    CursorRepository,
    RulesRepository,
    WarehouseRepository,
    DocumentRepository,
    AlertRepository,
    FinanceRepository,
):
    """What callers construct, once per process; the keyring decrypts shop tokens."""

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self.engine = engine
        self._keyring = keyring
        self._inbox_writes = threading.Lock()
