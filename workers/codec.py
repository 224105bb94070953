"""Workflow payloads encrypted with AES-256-GCM, and the codec endpoint the Temporal UI decrypts through.

Every client and worker uses `EncryptionCodec`, so recipients' names, addresses and phone numbers are never
in history in clear (docs/design.md, "Never put secrets or PII in history in clear"). The active key's id is
kept in each payload's metadata; decoding picks the key by that id, so rotating keys (a new key first in the
keyring, old ones kept) never strands a running workflow. Payloads without our encoding pass through
untouched: histories from before encryption still replay.

The UI calls `POST {endpoint}/decode` from the operator's browser with the protobuf-JSON form of `Payloads`.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from fastapi import APIRouter, Header, HTTPException, Request, Response
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from creatorflow.crypto import DecryptionError, Keyring

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(payload) for payload in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self._keyring.active.encode()},
            data=self._keyring.encrypt(payload.SerializeToString()),
        )

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        return Payload.FromString(self._keyring.decrypt(payload.data))


def codec_router(codec: EncryptionCodec, token: str) -> APIRouter:
    """`/codec/encode` and `/codec/decode`, for the UI and `temporal --codec-endpoint`.

    Authorised by `Authorization: Bearer <token>`, or by the token as a path segment
    (`/codec/<token>/decode`) for a UI that cannot add headers, like the dev server's.
    """
    router = APIRouter(prefix="/codec", tags=["codec"])

    def authorise(given: str | None) -> None:
        if given is None or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status_code=401, detail="a valid codec token is required")

    async def transcode(request: Request, operation: str) -> Response:
        payloads = Payloads()
        try:
            json_format.Parse(await request.body(), payloads)
        except json_format.ParseError as exc:
            raise HTTPException(status_code=400, detail=f"not a Payloads JSON document: {exc}") from exc
        try:
            await (codec.encode_wrapper if operation == "encode" else codec.decode_wrapper)(payloads)
        except DecryptionError as exc:
            raise HTTPException(status_code=422, detail=f"cannot decrypt: {exc}") from exc
        return Response(json_format.MessageToJson(payloads), media_type="application/json")

    @router.post("/{operation}")
    async def with_header(
        operation: str, request: Request, authorization: str | None = Header(None)
    ) -> Response:
        scheme, _, given = (authorization or "").partition(" ")
        authorise(given if scheme.lower() == "bearer" else None)
        return await transcode(request, _operation(operation))

    @router.post("/{given}/{operation}")
    async def with_path_token(given: str, operation: str, request: Request) -> Response:
        authorise(given)
        return await transcode(request, _operation(operation))

    return router


def _operation(name: str) -> str:
    if name not in ("encode", "decode"):
        raise HTTPException(status_code=404, detail="the codec serves /encode and /decode")
    return name
