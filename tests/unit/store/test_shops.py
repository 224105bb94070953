"""Shops, their encrypted tokens and the OAuth connect states, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from creatorflow.crypto import DecryptionError, Keyring
from creatorflow.shops import PaymentHold
from creatorflow.store import Store
from creatorflow.store.db import create_schema
from creatorflow.store.shops import ShopNotFoundError, StateCheck
from creatorflow.store.tables import ShopStatus
from creatorflow.tiktok.models import AuthorizedShop, TokenGrant


def grant(access: str = "TTP_access_1", refresh: str = "TTP_refresh_1") -> TokenGrant:
    now = int(time.time())
    return TokenGrant(
        access_token=access,
        access_token_expire_in=now + 7 * 86400,
        refresh_token=refresh,
        refresh_token_expire_in=now + 365 * 86400,
        open_id="open-1",
        seller_name="Glow Lab",
    )


SHOPS = [
    AuthorizedShop(id="7495540735365777507", name="Glow Lab US", region="US", cipher="ROW_us"),
    AuthorizedShop(id="7495540735365777508", name="Glow Lab UK", region="GB", cipher="ROW_gb"),
]


def test_authorized_shops_and_tokens_round_trip(store: Store) -> None:
    issued = grant()
    saved = store.save_authorized_shops(SHOPS, issued)
    assert [s.shop_id for s in saved] == [s.id for s in SHOPS]
    tokens = store.tokens(SHOPS[1].id)
    assert tokens.access_token == "TTP_access_1"
    assert tokens.refresh_token == "TTP_refresh_1"
    assert tokens.credentials().cipher == "ROW_gb"
    assert tokens.access_expires_at.tzinfo is not None
    assert tokens.access_expires_at == issued.access_token_expires_at


def test_tokens_are_encrypted_at_rest(store: Store) -> None:
    store.save_authorized_shops(SHOPS[:1], grant(access="TTP_secret_access"))
    with store.engine.connect() as connection:
        raw = connection.execute(text("select access_token, refresh_token from shoptoken")).one()
    assert b"TTP_secret_access" not in bytes(raw[0])
    assert b"TTP_refresh_1" not in bytes(raw[1])


def test_tokens_cannot_be_moved_to_another_shop(store: Store) -> None:
    store.save_authorized_shops(SHOPS, grant())
    with store.engine.begin() as connection:
        stolen = connection.execute(
            text("select access_token from shoptoken where shop_id = :id"), {"id": SHOPS[0].id}
        ).scalar_one()
        connection.execute(
            text("update shoptoken set access_token = :blob where shop_id = :id"),
            {"blob": stolen, "id": SHOPS[1].id},
        )
    with pytest.raises(DecryptionError):
        store.tokens(SHOPS[1].id)


def test_refreshed_tokens_replace_old_ones_and_rotated_keys_still_read(store: Store, key_spec: str) -> None:
    store.save_authorized_shops(SHOPS[:1], grant())
    rotated = Keyring.parse(Keyring.generate_spec("k2") + "," + key_spec)
    rotated_store = Store(store.engine, rotated)
    assert rotated_store.tokens(SHOPS[0].id).access_token == "TTP_access_1"
    rotated_store.save_tokens(SHOPS[0].id, grant(access="TTP_access_2", refresh="TTP_refresh_2"))
    assert rotated_store.tokens(SHOPS[0].id).access_token == "TTP_access_2"
    with pytest.raises(DecryptionError, match="no key 'k2'"):
        store.tokens(SHOPS[0].id)


def test_unknown_shop_is_a_clear_error(store: Store) -> None:
    with pytest.raises(ShopNotFoundError):
        store.tokens("nope")
    with pytest.raises(ShopNotFoundError):
        store.save_tokens("nope", grant())


def test_deauthorized_shops_are_filtered(store: Store) -> None:
    store.save_authorized_shops(SHOPS, grant())
    store.set_shop_status(SHOPS[0].id, ShopStatus.DEAUTHORIZED)
    assert [s.shop_id for s in store.shops(ShopStatus.ACTIVE)] == [SHOPS[1].id]
    # Authorizing again re-activates.
    store.save_authorized_shops(SHOPS[:1], grant())
    assert store.shop(SHOPS[0].id).status is ShopStatus.ACTIVE


def test_a_shop_needing_reauthorization_is_recorded_until_the_seller_is_back(store: Store) -> None:
    store.save_authorized_shops(SHOPS[:1], grant())
    store.set_shop_status(SHOPS[0].id, ShopStatus.NEEDS_REAUTHORIZATION)
    assert store.shop(SHOPS[0].id).status is ShopStatus.NEEDS_REAUTHORIZATION
    store.save_authorized_shops(SHOPS[:1], grant())
    assert store.shop(SHOPS[0].id).status is ShopStatus.ACTIVE


def test_schema_from_before_reauthorization_learns_the_new_status(engine: Engine, keyring: Keyring) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL keeps ShopStatus as a type of its own")
    with engine.begin() as connection:
        connection.execute(text("CREATE TYPE shopstatus AS ENUM ('ACTIVE', 'DEAUTHORIZED')"))
    create_schema(engine)
    test_a_shop_needing_reauthorization_is_recorded_until_the_seller_is_back(Store(engine, keyring))


def test_oauth_state_is_valid_once_even_under_a_race(store: Store) -> None:
    now = datetime.now(UTC)
    store.add_oauth_state("hash-1", now + timedelta(minutes=10), forget_before=now - timedelta(days=1))

    with ThreadPoolExecutor(8) as pool:  # eight callbacks (or API replicas) with the same state at once
        checks = list(pool.map(lambda _: store.use_oauth_state("hash-1", now), range(8)))
    assert checks.count(StateCheck.VALID) == 1
    assert set(checks) == {StateCheck.VALID, StateCheck.USED}
    assert store.use_oauth_state("never-issued", now) is StateCheck.UNKNOWN


def test_expired_oauth_state_is_refused_and_stays_unused(store: Store) -> None:
    now = datetime.now(UTC)
    store.add_oauth_state("hash-2", now + timedelta(minutes=10), forget_before=now - timedelta(days=1))
    later = now + timedelta(minutes=10, seconds=1)
    assert store.use_oauth_state("hash-2", later) is StateCheck.EXPIRED
    assert store.use_oauth_state("hash-2", later) is StateCheck.EXPIRED  # not turned into USED

    # Long expired states are dropped when new ones are made.
    store.add_oauth_state("hash-3", later + timedelta(minutes=10), forget_before=later)
    assert store.use_oauth_state("hash-2", later) is StateCheck.UNKNOWN
    assert store.use_oauth_state("hash-3", later) is StateCheck.VALID


def test_a_shops_hold_after_payment_is_kept_and_replaced(store: Store) -> None:
    assert store.payment_hold("shop-1") == PaymentHold()  # never set: no hold
    store.set_payment_hold("shop-1", PaymentHold(hold=timedelta(hours=2)))
    store.set_payment_hold("shop-1", PaymentHold(hold=timedelta(minutes=45)))
    assert store.payment_hold("shop-1").hold == timedelta(minutes=45)
    assert store.payment_hold("shop-2").hold == timedelta(0)
