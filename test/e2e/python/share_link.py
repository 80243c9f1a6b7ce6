"""A link share read with the generated Python stubs, for test/e2e/sharing.test.ts.

Usage: PYTHONPATH=gen/python /usr/bin/python3 share_link.py 127.0.0.1:PORT SHARE_ID PASSPHRASE

The share must be an "anyone_with_link" share with that passphrase and max_access_count 2, not
read yet. Reads it without a passphrase, with a wrong one, with the right one as
x-share-passphrase metadata, with the right one in the request, and once more (exhausted), then
prints one JSON line with what the server answered.
"""

import json
import sys

import grpc

from clawkeep.v1 import errors_pb2, sharing_pb2, sharing_pb2_grpc

TIMEOUT_S = 10
ERROR_DETAIL_TYPE = "type.googleapis.com/clawkeep.v1.ErrorDetail"


def varint(data: bytes, at: int) -> tuple:
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def fields(data: bytes) -> list:
    """The (number, value) pairs of a protobuf message, length-delimited and varint fields only."""
    out, at = [], 0
    while at < len(data):
        key, at = varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(data, at)
        elif wire == 2:
            length, at = varint(data, at)
            value, at = data[at : at + length], at + length
        else:
            raise ValueError(f"unexpected wire type {wire}")
        out.append((number, value))
    return out


def error_detail(error: grpc.RpcError):
    """The clawkeep.v1.ErrorDetail packed into grpc-status-details-bin (a google.rpc.Status)."""
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        for number, any_bytes in fields(value):
            if number != 3:  # Status.details
                continue
            packed = dict(fields(any_bytes))
            if packed.get(1) == ERROR_DETAIL_TYPE.encode():
                return errors_pb2.ErrorDetail.FromString(packed.get(2, b""))
    return None


def main(target: str, share_id: str, passphrase: str) -> dict:
    result = {}
    with grpc.insecure_channel(target) as channel:
        shares = sharing_pb2_grpc.ShareServiceStub(channel)

        def code_of(request, metadata=()):
            try:
                shares.AccessShare(request, metadata=metadata, timeout=TIMEOUT_S)
                return "OK", None
            except grpc.RpcError as error:
                return error.code().name, error_detail(error)

        result["missing"] = code_of(sharing_pb2.AccessShareRequest(share_id=share_id))[0]
        result["wrong"] = code_of(sharing_pb2.AccessShareRequest(share_id=share_id, passphrase="not " + passphrase))[0]
        by_metadata = shares.AccessShare(
            sharing_pb2.AccessShareRequest(share_id=share_id), metadata=[("x-share-passphrase", passphrase)], timeout=TIMEOUT_S
        ).shared_secret
        result["by_metadata"] = {"path": by_metadata.path, "value": by_metadata.value, "access_count": by_metadata.access_count}
        in_request = shares.AccessShare(sharing_pb2.AccessShareRequest(share_id=share_id, passphrase=passphrase), timeout=TIMEOUT_S).shared_secret
        result["in_request"] = {"value": in_request.value, "access_count": in_request.access_count, "max_access_count": in_request.max_access_count}
        code, detail = code_of(sharing_pb2.AccessShareRequest(share_id=share_id, passphrase=passphrase))
        result["exhausted"] = {"code": code, "http_status": detail.http_status if detail else None}
    return result


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
