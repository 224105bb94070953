"""Label files kept by us (TikTok's link expires): stored once per label, read back byte for byte."""

from __future__ import annotations

from creatorflow.store import Store

PDF = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n"


def test_a_label_document_is_kept_once_and_read_back_byte_for_byte(store: Store) -> None:
    assert store.label_document("pkg-1") is None
    kept = store.keep_label_document(
        label_id="pkg-1", shop_id="shop-1", order_id="order-1", content_type="application/pdf", content=PDF
    )
    assert (kept.label_id, kept.shop_id, kept.order_id, kept.content) == ("pkg-1", "shop-1", "order-1", PDF)
    # A retried purchase storing the same label again keeps the first copy.
    again = store.keep_label_document(
        label_id="pkg-1", shop_id="shop-1", order_id="order-1", content_type="application/pdf", content=b"x"
    )
    assert again.content == PDF and again.created_at == kept.created_at
    found = store.label_document("pkg-1")
    assert found is not None and found.content == PDF and found.content_type == "application/pdf"
    assert found.created_at.tzinfo is not None
