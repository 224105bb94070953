"""The app database: `Store` is the one object callers use; `tables` is the schema, `db` the engines."""

from creatorflow.store.facade import Store

__all__ = ["Store"]
