"""Interop client for test/e2e/interop.test.ts: the generated Python stubs against a real server.

Usage: PYTHONPATH=gen/python /usr/bin/python3 interop_client.py 127.0.0.1:PORT

Prints exactly one JSON line with what the server answered. It must run under Debian's
/usr/bin/python3 (python3-grpcio, python3-protobuf); the pyenv python3 on PATH cannot see them.
"""

import json
import os
import sys

import grpc

# Debian's grpc is a regular package (it has an __init__.py), so the generated
# gen/python/grpc/{health,reflection} directories on PYTHONPATH are shadowed by it: Python finds
# the first "grpc" and never looks further. Adding our directory to the package's search path
# makes grpc.health.v1 and grpc.reflection.v1 importable next to Debian's own modules.
GEN_GRPC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "gen", "python", "grpc"))
grpc.__path__.append(GEN_GRPC)

from clawkeep.v1 import health_pb2, health_pb2_grpc, intents_pb2, intents_pb2_grpc  # noqa: E402
from grpc.health.v1 import health_pb2 as grpc_health_pb2  # noqa: E402
from grpc.health.v1 import health_pb2_grpc as grpc_health_pb2_grpc  # noqa: E402
from grpc.reflection.v1 import reflection_pb2, reflection_pb2_grpc  # noqa: E402

TIMEOUT_S = 10


def main(target: str) -> dict:
    result = {}
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT_S)

        health = health_pb2_grpc.HealthServiceStub(channel).GetHealth(health_pb2.GetHealthRequest(), timeout=TIMEOUT_S)
        result["get_health"] = {"status": health.status, "version": health.version}

        grpc_health = grpc_health_pb2_grpc.HealthStub(channel)
        check = grpc_health.Check(grpc_health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        result["check"] = grpc_health_pb2.HealthCheckResponse.ServingStatus.Name(check.status)

        # Server streaming: take the first status, then cancel the stream.
        watch = grpc_health.Watch(grpc_health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        first = next(watch)
        watch.cancel()
        result["watch_first"] = grpc_health_pb2.HealthCheckResponse.ServingStatus.Name(first.status)

        # Bidi streaming: one list_services request, then half-close.
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        requests = iter([reflection_pb2.ServerReflectionRequest(list_services="*")])
        services = []
        for response in reflection.ServerReflectionInfo(requests, timeout=TIMEOUT_S):
            services.extend(s.name for s in response.list_services_response.service)
        result["services"] = sorted(services)

        # A public RPC that fails: a chain this server does not have.
        try:
            intents_pb2_grpc.IntentServiceStub(channel).GetChain(intents_pb2.GetChainRequest(identifier="nowhere"), timeout=TIMEOUT_S)
            result["error"] = {"code": "OK", "details": ""}
        except grpc.RpcError as error:
            result["error"] = {"code": error.code().name, "details": error.details()}
    return result


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: interop_client.py HOST:PORT")
    print(json.dumps(main(sys.argv[1]), sort_keys=True))
