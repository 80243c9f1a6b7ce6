from clawkeep.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckPathAccessRequest(_message.Message):
    __slots__ = ["path", "permission", "vault_id"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    permission: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ..., permission: _Optional[str] = ...) -> None: ...

class CheckPathAccessResponse(_message.Message):
    __slots__ = ["path", "permission", "principals", "vault_id"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    PRINCIPALS_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    permission: str
    principals: _containers.RepeatedCompositeFieldContainer[PathAccessGrant]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ..., permission: _Optional[str] = ..., principals: _Optional[_Iterable[_Union[PathAccessGrant, _Mapping]]] = ...) -> None: ...

class CreatePolicyRequest(_message.Message):
    __slots__ = ["conditions", "effect", "expires_at", "permissions", "principal_id", "principal_type", "priority", "secret_path_pattern", "vault_id"]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SECRET_PATH_PATTERN_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    conditions: _struct_pb2.Struct
    effect: str
    expires_at: _timestamp_pb2.Timestamp
    permissions: _containers.RepeatedScalarFieldContainer[str]
    principal_id: str
    principal_type: str
    priority: int
    secret_path_pattern: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., secret_path_pattern: _Optional[str] = ..., principal_type: _Optional[str] = ..., principal_id: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., effect: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class CreatePolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class CreateVaultRequest(_message.Message):
    __slots__ = ["description", "name"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    description: str
    name: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateVaultResponse(_message.Message):
    __slots__ = ["vault"]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    vault: Vault
    def __init__(self, vault: _Optional[_Union[Vault, _Mapping]] = ...) -> None: ...

class DeletePolicyRequest(_message.Message):
    __slots__ = ["policy_id", "vault_id"]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    policy_id: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., policy_id: _Optional[str] = ...) -> None: ...

class DeletePolicyResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteSecretRequest(_message.Message):
    __slots__ = ["path", "vault_id"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class DeleteSecretResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteVaultRequest(_message.Message):
    __slots__ = ["vault_id"]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class DeleteVaultResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DisableSecretVersionRequest(_message.Message):
    __slots__ = ["path", "vault_id", "version"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    path: str
    vault_id: str
    version: int
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class DisableSecretVersionResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetSecretRequest(_message.Message):
    __slots__ = ["path", "vault_id"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class GetSecretResponse(_message.Message):
    __slots__ = ["secret"]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    secret: Secret
    def __init__(self, secret: _Optional[_Union[Secret, _Mapping]] = ...) -> None: ...

class GetSecretVersionRequest(_message.Message):
    __slots__ = ["path", "vault_id", "version"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    path: str
    vault_id: str
    version: int
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetSecretVersionResponse(_message.Message):
    __slots__ = ["secret"]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    secret: Secret
    def __init__(self, secret: _Optional[_Union[Secret, _Mapping]] = ...) -> None: ...

class GetVaultRequest(_message.Message):
    __slots__ = ["vault_id"]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class GetVaultResponse(_message.Message):
    __slots__ = ["vault"]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    vault: Vault
    def __init__(self, vault: _Optional[_Union[Vault, _Mapping]] = ...) -> None: ...

class ListPoliciesRequest(_message.Message):
    __slots__ = ["vault_id"]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class ListPoliciesResponse(_message.Message):
    __slots__ = ["policies"]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[Policy]
    def __init__(self, policies: _Optional[_Iterable[_Union[Policy, _Mapping]]] = ...) -> None: ...

class ListSecretVersionsRequest(_message.Message):
    __slots__ = ["path", "vault_id"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class ListSecretVersionsResponse(_message.Message):
    __slots__ = ["versions"]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[SecretMetadata]
    def __init__(self, versions: _Optional[_Iterable[_Union[SecretMetadata, _Mapping]]] = ...) -> None: ...

class ListSecretsRequest(_message.Message):
    __slots__ = ["cursor", "limit", "prefix", "vault_id"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    prefix: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., prefix: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListSecretsResponse(_message.Message):
    __slots__ = ["next_cursor", "secrets"]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    next_cursor: str
    secrets: _containers.RepeatedCompositeFieldContainer[SecretMetadata]
    def __init__(self, secrets: _Optional[_Iterable[_Union[SecretMetadata, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ListVaultsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListVaultsResponse(_message.Message):
    __slots__ = ["vaults"]
    VAULTS_FIELD_NUMBER: _ClassVar[int]
    vaults: _containers.RepeatedCompositeFieldContainer[Vault]
    def __init__(self, vaults: _Optional[_Iterable[_Union[Vault, _Mapping]]] = ...) -> None: ...

class PathAccessGrant(_message.Message):
    __slots__ = ["conditional", "display_name", "policy_ids", "principal_id", "principal_type", "reason"]
    CONDITIONAL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    POLICY_IDS_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    conditional: bool
    display_name: str
    policy_ids: _containers.RepeatedScalarFieldContainer[str]
    principal_id: str
    principal_type: str
    reason: str
    def __init__(self, principal_type: _Optional[str] = ..., principal_id: _Optional[str] = ..., display_name: _Optional[str] = ..., reason: _Optional[str] = ..., policy_ids: _Optional[_Iterable[str]] = ..., conditional: bool = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ["conditions", "created_at", "created_by", "created_by_type", "effect", "expires_at", "id", "permissions", "principal_id", "principal_type", "priority", "secret_path_pattern", "vault_id"]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SECRET_PATH_PATTERN_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    conditions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    created_by_type: str
    effect: str
    expires_at: _timestamp_pb2.Timestamp
    id: str
    permissions: _containers.RepeatedScalarFieldContainer[str]
    principal_id: str
    principal_type: str
    priority: int
    secret_path_pattern: str
    vault_id: str
    def __init__(self, id: _Optional[str] = ..., vault_id: _Optional[str] = ..., secret_path_pattern: _Optional[str] = ..., principal_type: _Optional[str] = ..., principal_id: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., created_by_type: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., effect: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class PutSecretRequest(_message.Message):
    __slots__ = ["expires_at", "max_access_count", "metadata", "path", "type", "value", "vault_id"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    max_access_count: int
    metadata: _struct_pb2.Struct
    path: str
    type: str
    value: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., path: _Optional[str] = ..., type: _Optional[str] = ..., value: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., max_access_count: _Optional[int] = ...) -> None: ...

class PutSecretResponse(_message.Message):
    __slots__ = ["secret"]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    secret: SecretMetadata
    def __init__(self, secret: _Optional[_Union[SecretMetadata, _Mapping]] = ...) -> None: ...

class Secret(_message.Message):
    __slots__ = ["created_at", "created_by", "expires_at", "id", "metadata", "path", "type", "value", "version"]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    expires_at: _timestamp_pb2.Timestamp
    id: str
    metadata: _struct_pb2.Struct
    path: str
    type: str
    value: str
    version: int
    def __init__(self, id: _Optional[str] = ..., path: _Optional[str] = ..., type: _Optional[str] = ..., value: _Optional[str] = ..., version: _Optional[int] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SecretMetadata(_message.Message):
    __slots__ = ["created_at", "expires_at", "id", "is_disabled", "metadata", "path", "type", "version"]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IS_DISABLED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    id: str
    is_disabled: bool
    metadata: _struct_pb2.Struct
    path: str
    type: str
    version: int
    def __init__(self, id: _Optional[str] = ..., path: _Optional[str] = ..., type: _Optional[str] = ..., version: _Optional[int] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., is_disabled: bool = ...) -> None: ...

class UpdatePolicyRequest(_message.Message):
    __slots__ = ["conditions", "effect", "expires_at", "permissions", "policy_id", "priority", "vault_id"]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    conditions: _struct_pb2.Struct
    effect: str
    expires_at: _timestamp_pb2.Timestamp
    permissions: _containers.RepeatedScalarFieldContainer[str]
    policy_id: str
    priority: int
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., policy_id: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., effect: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class UpdatePolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class Vault(_message.Message):
    __slots__ = ["created_at", "created_by", "created_by_type", "description", "id", "name"]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    created_by_type: str
    description: str
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., created_by: _Optional[str] = ..., created_by_type: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
