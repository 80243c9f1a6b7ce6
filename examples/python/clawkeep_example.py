"""Clawkeep from Python with the generated stubs in gen/python (Debian: python3-grpcio, python3-protobuf).

    PYTHONPATH=gen/python python3 examples/python/clawkeep_example.py HOST:PORT VAULT_ID [SECRET_PATH]

Reads the agent's key from CLAWKEEP_API_KEY (and its id from CLAWKEEP_AGENT_ID, optional), never
from the command line where other users could see it. It exchanges the key for a token, lists the
vault's secrets and reads one. With CLAWKEEP_FLEET_FILE naming a JSON file of
[{"agent_id": ..., "api_key": ...}, ...] it then follows one WatchFleetTokens stream for all those
agents, reconnecting when the server says UNAVAILABLE (a restart), until CLAWKEEP_FLEET_EVENTS
events arrived (default: forever). Every step prints one JSON line; tokens are never printed.
"""

import json
import os
import random
import sys
import time

import grpc

from clawkeep.v1 import auth_pb2, auth_pb2_grpc, vaults_pb2, vaults_pb2_grpc

TIMEOUT_S = 10


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def exchange_list_read(channel: grpc.Channel, vault_id: str, path: str) -> None:
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    token = auth.ExchangeAgentToken(
        auth_pb2.ExchangeAgentTokenRequest(agent_id=os.environ.get("CLAWKEEP_AGENT_ID", ""), api_key=os.environ["CLAWKEEP_API_KEY"]),
        timeout=TIMEOUT_S,
    )
    emit(step="token", agent_id=token.agent_id, token_type=token.token_type, expires_in=token.expires_in)
    metadata = [("authorization", f"Bearer {token.access_token}")]
    vaults = vaults_pb2_grpc.VaultServiceStub(channel)
    listed = vaults.ListSecrets(vaults_pb2.ListSecretsRequest(vault_id=vault_id), metadata=metadata, timeout=TIMEOUT_S)
    emit(step="list", paths=[s.path for s in listed.secrets])
    if path:
        secret = vaults.GetSecret(vaults_pb2.GetSecretRequest(vault_id=vault_id, path=path), metadata=metadata, timeout=TIMEOUT_S)
        emit(step="read", path=secret.secret.path, version=secret.secret.version, value=secret.secret.value)


def held(tokens: dict, agent_id: str) -> str:
    """The agent's token while it lives another second, else ""."""
    token, expires_at = tokens.get(agent_id, ("", 0))
    return token if expires_at - time.time() > 1 else ""


def follow_fleet(channel: grpc.Channel, credentials: list, max_events: int) -> None:
    """One stream for the whole fleet; keeps each agent's latest token in `tokens`."""
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    agents = {c["agent_id"]: c["api_key"] for c in credentials}
    tokens = {}
    seen = 0
    backoff = 0.25
    while agents and (max_events == 0 or seen < max_events):
        request = auth_pb2.WatchFleetTokensRequest(
            # The tokens held go along: the server does not replace valid ones at once on a reconnect.
            agents=[
                auth_pb2.FleetAgentCredential(agent_id=agent_id, api_key=key, access_token=held(tokens, agent_id))
                for agent_id, key in agents.items()
            ]
        )
        stream = auth.WatchFleetTokens(request)
        try:
            for event in stream:
                backoff = 0.25
                seen += 1
                if event.event == "issued":
                    tokens[event.agent_id] = (event.access_token, time.time() + event.expires_in)
                    emit(step="fleet", agent_id=event.agent_id, event="issued", expires_in=event.expires_in)
                else:
                    # Revoked or failed: the server stops refreshing it, and so do we.
                    tokens.pop(event.agent_id, None)
                    agents.pop(event.agent_id, None)
                    emit(step="fleet", agent_id=event.agent_id, event=event.event, detail=event.detail)
                if max_events and seen >= max_events:
                    stream.cancel()
                    break
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.CANCELLED:
                break
            if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise
            # UNAVAILABLE on shutdown (or no server yet): reconnect with backoff and full jitter;
            # the tokens held meanwhile stay valid.
            emit(step="reconnect", code=error.code().name)
            time.sleep(random.uniform(0, backoff))
            backoff = min(backoff * 2, 30)
    emit(step="fleet_done", events=seen, agents_with_tokens=len(tokens))


def main(target: str, vault_id: str, path: str = "") -> None:
    with grpc.insecure_channel(target) as channel:
        exchange_list_read(channel, vault_id, path)
        fleet_file = os.environ.get("CLAWKEEP_FLEET_FILE")
        if fleet_file:
            with open(fleet_file, encoding="utf-8") as f:
                credentials = json.load(f)
            follow_fleet(channel, credentials, int(os.environ.get("CLAWKEEP_FLEET_EVENTS", "0")))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
