from clawkeep.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Agent(_message.Message):
    __slots__ = ["api_key_expires_at", "auth_method", "created_at", "created_by", "description", "ecdh_public_key", "expires_at", "id", "intents_api_enabled", "is_active", "last_active_at", "name", "org_id", "per_chain_guardrails", "scopes", "signing_chains", "solana_ata_allowlist", "ssh_public_key", "token_ttl_seconds", "tx_allowed_chains", "tx_count_today", "tx_daily_limit", "tx_daily_limit_eth", "tx_known_tokens_only", "tx_max_per_day", "tx_max_value", "tx_max_value_eth", "tx_overhead_budget", "tx_overhead_today_by_chain", "tx_spent_today", "tx_spent_today_by_chain", "tx_spent_today_eth", "tx_to_allowlist", "tx_token_allowlist", "vault_ids", "xrpl_allowed_tx_types"]
    class TxOverheadBudgetEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class TxOverheadTodayByChainEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class TxSpentTodayByChainEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    API_KEY_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    AUTH_METHOD_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ECDH_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INTENTS_API_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    PER_CHAIN_GUARDRAILS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    SIGNING_CHAINS_FIELD_NUMBER: _ClassVar[int]
    SOLANA_ATA_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    SSH_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TX_ALLOWED_CHAINS_FIELD_NUMBER: _ClassVar[int]
    TX_COUNT_TODAY_FIELD_NUMBER: _ClassVar[int]
    TX_DAILY_LIMIT_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_DAILY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TX_KNOWN_TOKENS_ONLY_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_VALUE_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    TX_OVERHEAD_BUDGET_FIELD_NUMBER: _ClassVar[int]
    TX_OVERHEAD_TODAY_BY_CHAIN_FIELD_NUMBER: _ClassVar[int]
    TX_SPENT_TODAY_BY_CHAIN_FIELD_NUMBER: _ClassVar[int]
    TX_SPENT_TODAY_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_SPENT_TODAY_FIELD_NUMBER: _ClassVar[int]
    TX_TOKEN_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    TX_TO_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    XRPL_ALLOWED_TX_TYPES_FIELD_NUMBER: _ClassVar[int]
    api_key_expires_at: _timestamp_pb2.Timestamp
    auth_method: str
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    description: str
    ecdh_public_key: str
    expires_at: _timestamp_pb2.Timestamp
    id: str
    intents_api_enabled: bool
    is_active: bool
    last_active_at: _timestamp_pb2.Timestamp
    name: str
    org_id: str
    per_chain_guardrails: _struct_pb2.Struct
    scopes: _containers.RepeatedScalarFieldContainer[str]
    signing_chains: _containers.RepeatedScalarFieldContainer[str]
    solana_ata_allowlist: _containers.RepeatedScalarFieldContainer[str]
    ssh_public_key: str
    token_ttl_seconds: int
    tx_allowed_chains: _containers.RepeatedScalarFieldContainer[str]
    tx_count_today: int
    tx_daily_limit: str
    tx_daily_limit_eth: str
    tx_known_tokens_only: bool
    tx_max_per_day: int
    tx_max_value: str
    tx_max_value_eth: str
    tx_overhead_budget: _containers.ScalarMap[str, str]
    tx_overhead_today_by_chain: _containers.ScalarMap[str, str]
    tx_spent_today: str
    tx_spent_today_by_chain: _containers.ScalarMap[str, str]
    tx_spent_today_eth: str
    tx_to_allowlist: _containers.RepeatedScalarFieldContainer[str]
    tx_token_allowlist: _containers.RepeatedScalarFieldContainer[str]
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    xrpl_allowed_tx_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., auth_method: _Optional[str] = ..., org_id: _Optional[str] = ..., created_by: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., is_active: bool = ..., vault_ids: _Optional[_Iterable[str]] = ..., token_ttl_seconds: _Optional[int] = ..., ssh_public_key: _Optional[str] = ..., ecdh_public_key: _Optional[str] = ..., intents_api_enabled: bool = ..., tx_to_allowlist: _Optional[_Iterable[str]] = ..., tx_max_value: _Optional[str] = ..., tx_daily_limit: _Optional[str] = ..., tx_max_value_eth: _Optional[str] = ..., tx_daily_limit_eth: _Optional[str] = ..., tx_allowed_chains: _Optional[_Iterable[str]] = ..., tx_max_per_day: _Optional[int] = ..., tx_token_allowlist: _Optional[_Iterable[str]] = ..., tx_known_tokens_only: bool = ..., xrpl_allowed_tx_types: _Optional[_Iterable[str]] = ..., per_chain_guardrails: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tx_overhead_budget: _Optional[_Mapping[str, str]] = ..., solana_ata_allowlist: _Optional[_Iterable[str]] = ..., tx_spent_today: _Optional[str] = ..., tx_spent_today_eth: _Optional[str] = ..., tx_spent_today_by_chain: _Optional[_Mapping[str, str]] = ..., tx_count_today: _Optional[int] = ..., tx_overhead_today_by_chain: _Optional[_Mapping[str, str]] = ..., signing_chains: _Optional[_Iterable[str]] = ..., api_key_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_active_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApproveEnrollmentRequest(_message.Message):
    __slots__ = ["approval_token", "enrollment_id", "policies", "vault_ids"]
    APPROVAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    approval_token: str
    enrollment_id: str
    policies: _containers.RepeatedCompositeFieldContainer[InitialPolicy]
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, enrollment_id: _Optional[str] = ..., approval_token: _Optional[str] = ..., vault_ids: _Optional[_Iterable[str]] = ..., policies: _Optional[_Iterable[_Union[InitialPolicy, _Mapping]]] = ...) -> None: ...

class ApproveEnrollmentResponse(_message.Message):
    __slots__ = ["agent", "enrollment"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    enrollment: Enrollment
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ..., enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class ClaimEnrollmentRequest(_message.Message):
    __slots__ = ["claim_token", "enrollment_id"]
    CLAIM_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    claim_token: str
    enrollment_id: str
    def __init__(self, enrollment_id: _Optional[str] = ..., claim_token: _Optional[str] = ...) -> None: ...

class ClaimEnrollmentResponse(_message.Message):
    __slots__ = ["agent_id", "api_key"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    api_key: str
    def __init__(self, agent_id: _Optional[str] = ..., api_key: _Optional[str] = ...) -> None: ...

class CreateAgentRequest(_message.Message):
    __slots__ = ["api_key_expires_at", "auth_method", "description", "expires_at", "intents_api_enabled", "name", "per_chain_guardrails", "scopes", "solana_ata_allowlist", "token_ttl_seconds", "tx_allowed_chains", "tx_daily_limit", "tx_daily_limit_eth", "tx_known_tokens_only", "tx_max_per_day", "tx_max_value", "tx_max_value_eth", "tx_overhead_budget", "tx_to_allowlist", "tx_token_allowlist", "vault_ids", "xrpl_allowed_tx_types"]
    class TxOverheadBudgetEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    API_KEY_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    AUTH_METHOD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    INTENTS_API_ENABLED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PER_CHAIN_GUARDRAILS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    SOLANA_ATA_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TX_ALLOWED_CHAINS_FIELD_NUMBER: _ClassVar[int]
    TX_DAILY_LIMIT_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_DAILY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TX_KNOWN_TOKENS_ONLY_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_VALUE_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    TX_OVERHEAD_BUDGET_FIELD_NUMBER: _ClassVar[int]
    TX_TOKEN_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    TX_TO_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    XRPL_ALLOWED_TX_TYPES_FIELD_NUMBER: _ClassVar[int]
    api_key_expires_at: _timestamp_pb2.Timestamp
    auth_method: str
    description: str
    expires_at: _timestamp_pb2.Timestamp
    intents_api_enabled: bool
    name: str
    per_chain_guardrails: _struct_pb2.Struct
    scopes: _containers.RepeatedScalarFieldContainer[str]
    solana_ata_allowlist: _containers.RepeatedScalarFieldContainer[str]
    token_ttl_seconds: int
    tx_allowed_chains: _containers.RepeatedScalarFieldContainer[str]
    tx_daily_limit: str
    tx_daily_limit_eth: str
    tx_known_tokens_only: bool
    tx_max_per_day: int
    tx_max_value: str
    tx_max_value_eth: str
    tx_overhead_budget: _containers.ScalarMap[str, str]
    tx_to_allowlist: _containers.RepeatedScalarFieldContainer[str]
    tx_token_allowlist: _containers.RepeatedScalarFieldContainer[str]
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    xrpl_allowed_tx_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., auth_method: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., api_key_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., token_ttl_seconds: _Optional[int] = ..., vault_ids: _Optional[_Iterable[str]] = ..., intents_api_enabled: bool = ..., tx_to_allowlist: _Optional[_Iterable[str]] = ..., tx_max_value: _Optional[str] = ..., tx_daily_limit: _Optional[str] = ..., tx_max_value_eth: _Optional[str] = ..., tx_daily_limit_eth: _Optional[str] = ..., tx_allowed_chains: _Optional[_Iterable[str]] = ..., tx_max_per_day: _Optional[int] = ..., tx_token_allowlist: _Optional[_Iterable[str]] = ..., tx_known_tokens_only: bool = ..., xrpl_allowed_tx_types: _Optional[_Iterable[str]] = ..., per_chain_guardrails: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tx_overhead_budget: _Optional[_Mapping[str, str]] = ..., solana_ata_allowlist: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateAgentResponse(_message.Message):
    __slots__ = ["agent", "api_key"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    api_key: str
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ..., api_key: _Optional[str] = ...) -> None: ...

class DeleteAgentRequest(_message.Message):
    __slots__ = ["agent_id"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class DeleteAgentResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DenyEnrollmentRequest(_message.Message):
    __slots__ = ["approval_token", "enrollment_id", "reason"]
    APPROVAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    approval_token: str
    enrollment_id: str
    reason: str
    def __init__(self, enrollment_id: _Optional[str] = ..., approval_token: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DenyEnrollmentResponse(_message.Message):
    __slots__ = ["enrollment"]
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    enrollment: Enrollment
    def __init__(self, enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class EnrollAgentRequest(_message.Message):
    __slots__ = ["description", "human_email", "name"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HUMAN_EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    description: str
    human_email: str
    name: str
    def __init__(self, name: _Optional[str] = ..., human_email: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class EnrollAgentResponse(_message.Message):
    __slots__ = ["agent_id", "approval_url", "claim_token", "enrollment_id", "message"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_URL_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    approval_url: str
    claim_token: str
    enrollment_id: str
    message: str
    def __init__(self, agent_id: _Optional[str] = ..., message: _Optional[str] = ..., approval_url: _Optional[str] = ..., enrollment_id: _Optional[str] = ..., claim_token: _Optional[str] = ...) -> None: ...

class Enrollment(_message.Message):
    __slots__ = ["agent_id", "created_at", "decided_at", "decided_by", "description", "expires_at", "human_email", "id", "name", "source_ip", "status"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    HUMAN_EMAIL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    created_at: _timestamp_pb2.Timestamp
    decided_at: _timestamp_pb2.Timestamp
    decided_by: str
    description: str
    expires_at: _timestamp_pb2.Timestamp
    human_email: str
    id: str
    name: str
    source_ip: str
    status: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., human_email: _Optional[str] = ..., status: _Optional[str] = ..., source_ip: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., decided_by: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class GetAgentRequest(_message.Message):
    __slots__ = ["agent_id"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class GetAgentResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class GetAgentSelfRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetAgentSelfResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class GetEnrollmentRequest(_message.Message):
    __slots__ = ["approval_token", "enrollment_id"]
    APPROVAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    approval_token: str
    enrollment_id: str
    def __init__(self, enrollment_id: _Optional[str] = ..., approval_token: _Optional[str] = ...) -> None: ...

class GetEnrollmentResponse(_message.Message):
    __slots__ = ["enrollment"]
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    enrollment: Enrollment
    def __init__(self, enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class InitialPolicy(_message.Message):
    __slots__ = ["permissions", "secret_path_pattern", "vault_id"]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    SECRET_PATH_PATTERN_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedScalarFieldContainer[str]
    secret_path_pattern: str
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ..., secret_path_pattern: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ["agents"]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[Agent]
    def __init__(self, agents: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ...) -> None: ...

class ListEnrollmentsRequest(_message.Message):
    __slots__ = ["limit", "offset", "status"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    limit: int
    offset: int
    status: str
    def __init__(self, status: _Optional[str] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListEnrollmentsResponse(_message.Message):
    __slots__ = ["enrollments"]
    ENROLLMENTS_FIELD_NUMBER: _ClassVar[int]
    enrollments: _containers.RepeatedCompositeFieldContainer[Enrollment]
    def __init__(self, enrollments: _Optional[_Iterable[_Union[Enrollment, _Mapping]]] = ...) -> None: ...

class RotateAgentIdentityKeysRequest(_message.Message):
    __slots__ = ["agent_id"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class RotateAgentIdentityKeysResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class RotateAgentKeyRequest(_message.Message):
    __slots__ = ["agent_id"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class RotateAgentKeyResponse(_message.Message):
    __slots__ = ["agent", "api_key"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    api_key: str
    def __init__(self, api_key: _Optional[str] = ..., agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class UpdateAgentRequest(_message.Message):
    __slots__ = ["agent_id", "api_key_expires_at", "description", "expires_at", "intents_api_enabled", "is_active", "name", "per_chain_guardrails", "scopes", "solana_ata_allowlist", "token_ttl_seconds", "tx_allowed_chains", "tx_daily_limit", "tx_daily_limit_eth", "tx_known_tokens_only", "tx_max_per_day", "tx_max_value", "tx_max_value_eth", "tx_overhead_budget", "tx_to_allowlist", "tx_token_allowlist", "update_mask", "vault_ids", "xrpl_allowed_tx_types"]
    class TxOverheadBudgetEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    INTENTS_API_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PER_CHAIN_GUARDRAILS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    SOLANA_ATA_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TX_ALLOWED_CHAINS_FIELD_NUMBER: _ClassVar[int]
    TX_DAILY_LIMIT_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_DAILY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TX_KNOWN_TOKENS_ONLY_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_VALUE_ETH_FIELD_NUMBER: _ClassVar[int]
    TX_MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    TX_OVERHEAD_BUDGET_FIELD_NUMBER: _ClassVar[int]
    TX_TOKEN_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    TX_TO_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    XRPL_ALLOWED_TX_TYPES_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    api_key_expires_at: _timestamp_pb2.Timestamp
    description: str
    expires_at: _timestamp_pb2.Timestamp
    intents_api_enabled: bool
    is_active: bool
    name: str
    per_chain_guardrails: _struct_pb2.Struct
    scopes: _containers.RepeatedScalarFieldContainer[str]
    solana_ata_allowlist: _containers.RepeatedScalarFieldContainer[str]
    token_ttl_seconds: int
    tx_allowed_chains: _containers.RepeatedScalarFieldContainer[str]
    tx_daily_limit: str
    tx_daily_limit_eth: str
    tx_known_tokens_only: bool
    tx_max_per_day: int
    tx_max_value: str
    tx_max_value_eth: str
    tx_overhead_budget: _containers.ScalarMap[str, str]
    tx_to_allowlist: _containers.RepeatedScalarFieldContainer[str]
    tx_token_allowlist: _containers.RepeatedScalarFieldContainer[str]
    update_mask: _field_mask_pb2.FieldMask
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    xrpl_allowed_tx_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, agent_id: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., is_active: bool = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., api_key_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., token_ttl_seconds: _Optional[int] = ..., vault_ids: _Optional[_Iterable[str]] = ..., intents_api_enabled: bool = ..., tx_to_allowlist: _Optional[_Iterable[str]] = ..., tx_max_value: _Optional[str] = ..., tx_daily_limit: _Optional[str] = ..., tx_max_value_eth: _Optional[str] = ..., tx_daily_limit_eth: _Optional[str] = ..., tx_allowed_chains: _Optional[_Iterable[str]] = ..., tx_max_per_day: _Optional[int] = ..., tx_token_allowlist: _Optional[_Iterable[str]] = ..., tx_known_tokens_only: bool = ..., xrpl_allowed_tx_types: _Optional[_Iterable[str]] = ..., per_chain_guardrails: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tx_overhead_budget: _Optional[_Mapping[str, str]] = ..., solana_ata_allowlist: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateAgentResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class WatchEnrollmentsRequest(_message.Message):
    __slots__ = ["cursor"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    def __init__(self, cursor: _Optional[str] = ...) -> None: ...

class WatchEnrollmentsResponse(_message.Message):
    __slots__ = ["cursor", "enrollment", "event"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    enrollment: Enrollment
    event: str
    def __init__(self, event: _Optional[str] = ..., enrollment: _Optional[_Union[Enrollment, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...
