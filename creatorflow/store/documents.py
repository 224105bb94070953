"""Label files we keep ourselves: a provider's link to a label may expire (TikTok's after 24 hours), and an
operator reprinting a label weeks later must still have it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from creatorflow.store.repository import Repository
from creatorflow.store.tables import LabelDocumentRow


@dataclass(frozen=True)
class LabelDocument:
    label_id: str
    shop_id: str
    order_id: str
    content_type: str
    content: bytes
    created_at: datetime


class DocumentRepository(Repository):
    def keep_label_document(
        self, *, label_id: str, shop_id: str, order_id: str, content_type: str, content: bytes
    ) -> LabelDocument:
        """Keep a label's file once: a retried activity storing the same label again keeps the first copy."""
        with Session(self.engine) as session:
            row = session.get(LabelDocumentRow, label_id)
            if row is None:
                row = LabelDocumentRow(
                    label_id=label_id,
                    shop_id=shop_id,
                    order_id=order_id,
                    content_type=content_type,
                    content=content,
                )
                session.add(row)
                session.commit()
                session.refresh(row)
            return _document(row)

    def label_document(self, label_id: str) -> LabelDocument | None:
        with Session(self.engine) as session:
            row = session.get(LabelDocumentRow, label_id)
            return _document(row) if row else None


def _document(row: LabelDocumentRow) -> LabelDocument:
    return LabelDocument(
        label_id=row.label_id,
        shop_id=row.shop_id,
        order_id=row.order_id,
        content_type=row.content_type,
        content=row.content,
        created_at=row.created_at,
    )
