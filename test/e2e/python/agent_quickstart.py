"""The agent quickstart with the generated Python stubs, for test/e2e/agent-quickstart.test.ts.

Usage: PYTHONPATH=gen/python /usr/bin/python3 agent_quickstart.py 127.0.0.1:PORT AGENT_ID API_KEY VAULT_ID

Exchanges the agent's key for a token, lists the vault's secrets, reads api-keys/openai and
tries db/password, then prints one JSON line with what the server answered.
"""

import json
import sys

import grpc

from clawkeep.v1 import auth_pb2, auth_pb2_grpc, vaults_pb2, vaults_pb2_grpc

TIMEOUT_S = 10


def main(target: str, agent_id: str, api_key: str, vault_id: str) -> dict:
    result = {}
    with grpc.insecure_channel(target) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        token = auth.ExchangeAgentToken(auth_pb2.ExchangeAgentTokenRequest(agent_id=agent_id, api_key=api_key), timeout=TIMEOUT_S)
        result["token"] = {"token_type": token.token_type, "expires_in": token.expires_in, "agent_id": token.agent_id}
        metadata = [("authorization", f"Bearer {token.access_token}")]
        vaults = vaults_pb2_grpc.VaultServiceStub(channel)
        listed = vaults.ListSecrets(vaults_pb2.ListSecretsRequest(vault_id=vault_id), metadata=metadata, timeout=TIMEOUT_S)
        result["paths"] = [s.path for s in listed.secrets]
        secret = vaults.GetSecret(vaults_pb2.GetSecretRequest(vault_id=vault_id, path="api-keys/openai"), metadata=metadata, timeout=TIMEOUT_S)
        result["secret"] = {"path": secret.secret.path, "value": secret.secret.value, "version": secret.secret.version}
        try:
            vaults.GetSecret(vaults_pb2.GetSecretRequest(vault_id=vault_id, path="db/password"), metadata=metadata, timeout=TIMEOUT_S)
            result["denied"] = "not denied"
        except grpc.RpcError as error:
            result["denied"] = error.code().name
    return result


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])))
