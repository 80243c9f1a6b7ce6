from clawkeep.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BalanceChange(_message.Message):
    __slots__ = ["address", "after", "before", "change", "token", "token_symbol"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    address: str
    after: str
    before: str
    change: str
    token: str
    token_symbol: str
    def __init__(self, address: _Optional[str] = ..., token: _Optional[str] = ..., token_symbol: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ..., change: _Optional[str] = ...) -> None: ...

class Chain(_message.Message):
    __slots__ = ["chain_id", "created_at", "display_name", "explorer_url", "id", "is_enabled", "is_testnet", "name", "native_currency", "rpc_url", "updated_at", "ws_url"]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPLORER_URL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_TESTNET_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NATIVE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RPC_URL_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    WS_URL_FIELD_NUMBER: _ClassVar[int]
    chain_id: int
    created_at: _timestamp_pb2.Timestamp
    display_name: str
    explorer_url: str
    id: str
    is_enabled: bool
    is_testnet: bool
    name: str
    native_currency: str
    rpc_url: str
    updated_at: _timestamp_pb2.Timestamp
    ws_url: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., display_name: _Optional[str] = ..., chain_id: _Optional[int] = ..., rpc_url: _Optional[str] = ..., ws_url: _Optional[str] = ..., explorer_url: _Optional[str] = ..., native_currency: _Optional[str] = ..., is_testnet: bool = ..., is_enabled: bool = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSigningKeyRequest(_message.Message):
    __slots__ = ["agent_id", "chain"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    def __init__(self, agent_id: _Optional[str] = ..., chain: _Optional[str] = ...) -> None: ...

class CreateSigningKeyResponse(_message.Message):
    __slots__ = ["signing_key"]
    SIGNING_KEY_FIELD_NUMBER: _ClassVar[int]
    signing_key: SigningKey
    def __init__(self, signing_key: _Optional[_Union[SigningKey, _Mapping]] = ...) -> None: ...

class DeactivateSigningKeyRequest(_message.Message):
    __slots__ = ["agent_id", "chain"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    def __init__(self, agent_id: _Optional[str] = ..., chain: _Optional[str] = ...) -> None: ...

class DeactivateSigningKeyResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetChainRequest(_message.Message):
    __slots__ = ["identifier"]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    identifier: str
    def __init__(self, identifier: _Optional[str] = ...) -> None: ...

class GetChainResponse(_message.Message):
    __slots__ = ["chain"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: Chain
    def __init__(self, chain: _Optional[_Union[Chain, _Mapping]] = ...) -> None: ...

class GetSigningKeyBalanceRequest(_message.Message):
    __slots__ = ["agent_id", "chain"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    def __init__(self, agent_id: _Optional[str] = ..., chain: _Optional[str] = ...) -> None: ...

class GetSigningKeyBalanceResponse(_message.Message):
    __slots__ = ["address", "balance_display", "balance_wei", "chain", "native_currency"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_DISPLAY_FIELD_NUMBER: _ClassVar[int]
    BALANCE_WEI_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    NATIVE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    address: str
    balance_display: str
    balance_wei: str
    chain: str
    native_currency: str
    def __init__(self, chain: _Optional[str] = ..., address: _Optional[str] = ..., balance_wei: _Optional[str] = ..., balance_display: _Optional[str] = ..., native_currency: _Optional[str] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ["agent_id", "include_signed_tx", "tx_id"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SIGNED_TX_FIELD_NUMBER: _ClassVar[int]
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    include_signed_tx: bool
    tx_id: str
    def __init__(self, agent_id: _Optional[str] = ..., tx_id: _Optional[str] = ..., include_signed_tx: bool = ...) -> None: ...

class GetTransactionResponse(_message.Message):
    __slots__ = ["transaction"]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ...) -> None: ...

class ListChainsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListChainsResponse(_message.Message):
    __slots__ = ["chains"]
    CHAINS_FIELD_NUMBER: _ClassVar[int]
    chains: _containers.RepeatedCompositeFieldContainer[Chain]
    def __init__(self, chains: _Optional[_Iterable[_Union[Chain, _Mapping]]] = ...) -> None: ...

class ListSigningKeysRequest(_message.Message):
    __slots__ = ["agent_id"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class ListSigningKeysResponse(_message.Message):
    __slots__ = ["keys"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[SigningKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[SigningKey, _Mapping]]] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ["agent_id", "include_signed_tx"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SIGNED_TX_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    include_signed_tx: bool
    def __init__(self, agent_id: _Optional[str] = ..., include_signed_tx: bool = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ["transactions"]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[Transaction]
    def __init__(self, transactions: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ["agent_id", "chain"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    def __init__(self, agent_id: _Optional[str] = ..., chain: _Optional[str] = ...) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ["signing_key"]
    SIGNING_KEY_FIELD_NUMBER: _ClassVar[int]
    signing_key: SigningKey
    def __init__(self, signing_key: _Optional[_Union[SigningKey, _Mapping]] = ...) -> None: ...

class SignTransactionRequest(_message.Message):
    __slots__ = ["agent_id", "chain", "data", "destination_tag", "fee_limit_sun", "fee_rate_sat_per_vbyte", "gas_limit", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "memo", "nonce", "signing_key_path", "simulate_first", "to", "token_decimals", "token_mint", "ttl", "value", "xrpl_tx_json"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_TAG_FIELD_NUMBER: _ClassVar[int]
    FEE_LIMIT_SUN_FIELD_NUMBER: _ClassVar[int]
    FEE_RATE_SAT_PER_VBYTE_FIELD_NUMBER: _ClassVar[int]
    GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    GAS_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    MAX_PRIORITY_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    SIMULATE_FIRST_FIELD_NUMBER: _ClassVar[int]
    TOKEN_DECIMALS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_MINT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    XRPL_TX_JSON_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    data: str
    destination_tag: int
    fee_limit_sun: int
    fee_rate_sat_per_vbyte: int
    gas_limit: int
    gas_price: str
    max_fee_per_gas: str
    max_priority_fee_per_gas: str
    memo: str
    nonce: int
    signing_key_path: str
    simulate_first: bool
    to: str
    token_decimals: int
    token_mint: str
    ttl: int
    value: str
    xrpl_tx_json: _struct_pb2.Struct
    def __init__(self, agent_id: _Optional[str] = ..., to: _Optional[str] = ..., value: _Optional[str] = ..., chain: _Optional[str] = ..., data: _Optional[str] = ..., signing_key_path: _Optional[str] = ..., nonce: _Optional[int] = ..., gas_price: _Optional[str] = ..., gas_limit: _Optional[int] = ..., max_fee_per_gas: _Optional[str] = ..., max_priority_fee_per_gas: _Optional[str] = ..., simulate_first: bool = ..., destination_tag: _Optional[int] = ..., memo: _Optional[str] = ..., fee_rate_sat_per_vbyte: _Optional[int] = ..., fee_limit_sun: _Optional[int] = ..., token_mint: _Optional[str] = ..., token_decimals: _Optional[int] = ..., ttl: _Optional[int] = ..., xrpl_tx_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class SignTransactionResponse(_message.Message):
    __slots__ = ["chain", "chain_id", "max_fee_per_gas", "max_priority_fee_per_gas", "nonce", "signed_tx", "simulation_id", "simulation_status", "status", "to", "tx_hash", "value_wei"]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    MAX_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    MAX_PRIORITY_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_TX_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    VALUE_WEI_FIELD_NUMBER: _ClassVar[int]
    chain: str
    chain_id: int
    max_fee_per_gas: str
    max_priority_fee_per_gas: str
    nonce: int
    signed_tx: str
    simulation_id: str
    simulation_status: str
    status: str
    to: str
    tx_hash: str
    value_wei: str
    def __init__(self, signed_tx: _Optional[str] = ..., tx_hash: _Optional[str] = ..., to: _Optional[str] = ..., chain: _Optional[str] = ..., chain_id: _Optional[int] = ..., nonce: _Optional[int] = ..., value_wei: _Optional[str] = ..., status: _Optional[str] = ..., simulation_id: _Optional[str] = ..., simulation_status: _Optional[str] = ..., max_fee_per_gas: _Optional[str] = ..., max_priority_fee_per_gas: _Optional[str] = ..., **kwargs) -> None: ...

class SigningKey(_message.Message):
    __slots__ = ["address", "agent_id", "chain", "created_at", "curve", "id", "is_active", "key_version", "public_key", "rotated_at"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CURVE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    ROTATED_AT_FIELD_NUMBER: _ClassVar[int]
    address: str
    agent_id: str
    chain: str
    created_at: _timestamp_pb2.Timestamp
    curve: str
    id: str
    is_active: bool
    key_version: int
    public_key: str
    rotated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., chain: _Optional[str] = ..., curve: _Optional[str] = ..., public_key: _Optional[str] = ..., address: _Optional[str] = ..., key_version: _Optional[int] = ..., is_active: bool = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., rotated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SimulateTransactionRequest(_message.Message):
    __slots__ = ["agent_id", "chain", "data", "gas_limit", "signing_key_path", "to", "value"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    data: str
    gas_limit: int
    signing_key_path: str
    to: str
    value: str
    def __init__(self, agent_id: _Optional[str] = ..., to: _Optional[str] = ..., value: _Optional[str] = ..., chain: _Optional[str] = ..., data: _Optional[str] = ..., signing_key_path: _Optional[str] = ..., gas_limit: _Optional[int] = ...) -> None: ...

class SimulateTransactionResponse(_message.Message):
    __slots__ = ["balance_changes", "error", "error_code", "error_human_readable", "gas_estimate_usd", "gas_used", "revert_reason", "simulated_at", "simulation_id", "status", "tenderly_dashboard_url"]
    BALANCE_CHANGES_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_HUMAN_READABLE_FIELD_NUMBER: _ClassVar[int]
    GAS_ESTIMATE_USD_FIELD_NUMBER: _ClassVar[int]
    GAS_USED_FIELD_NUMBER: _ClassVar[int]
    REVERT_REASON_FIELD_NUMBER: _ClassVar[int]
    SIMULATED_AT_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TENDERLY_DASHBOARD_URL_FIELD_NUMBER: _ClassVar[int]
    balance_changes: _containers.RepeatedCompositeFieldContainer[BalanceChange]
    error: str
    error_code: str
    error_human_readable: str
    gas_estimate_usd: str
    gas_used: int
    revert_reason: str
    simulated_at: _timestamp_pb2.Timestamp
    simulation_id: str
    status: str
    tenderly_dashboard_url: str
    def __init__(self, simulation_id: _Optional[str] = ..., status: _Optional[str] = ..., gas_used: _Optional[int] = ..., gas_estimate_usd: _Optional[str] = ..., balance_changes: _Optional[_Iterable[_Union[BalanceChange, _Mapping]]] = ..., error: _Optional[str] = ..., error_code: _Optional[str] = ..., error_human_readable: _Optional[str] = ..., revert_reason: _Optional[str] = ..., tenderly_dashboard_url: _Optional[str] = ..., simulated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitTransactionRequest(_message.Message):
    __slots__ = ["agent_id", "chain", "data", "destination_tag", "fee_limit_sun", "fee_rate_sat_per_vbyte", "gas_limit", "gas_price", "gasless", "max_fee_per_gas", "max_priority_fee_per_gas", "memo", "mode", "nonce", "raw_transaction", "signing_key_path", "simulate_first", "to", "token_decimals", "token_mint", "tron_transaction", "ttl", "value", "xrpl_tx_json"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_TAG_FIELD_NUMBER: _ClassVar[int]
    FEE_LIMIT_SUN_FIELD_NUMBER: _ClassVar[int]
    FEE_RATE_SAT_PER_VBYTE_FIELD_NUMBER: _ClassVar[int]
    GASLESS_FIELD_NUMBER: _ClassVar[int]
    GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    GAS_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    MAX_PRIORITY_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    RAW_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    SIMULATE_FIRST_FIELD_NUMBER: _ClassVar[int]
    TOKEN_DECIMALS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_MINT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    TRON_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    XRPL_TX_JSON_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    data: str
    destination_tag: int
    fee_limit_sun: int
    fee_rate_sat_per_vbyte: int
    gas_limit: int
    gas_price: str
    gasless: bool
    max_fee_per_gas: str
    max_priority_fee_per_gas: str
    memo: str
    mode: str
    nonce: int
    raw_transaction: str
    signing_key_path: str
    simulate_first: bool
    to: str
    token_decimals: int
    token_mint: str
    tron_transaction: _struct_pb2.Struct
    ttl: int
    value: str
    xrpl_tx_json: _struct_pb2.Struct
    def __init__(self, agent_id: _Optional[str] = ..., to: _Optional[str] = ..., value: _Optional[str] = ..., chain: _Optional[str] = ..., data: _Optional[str] = ..., signing_key_path: _Optional[str] = ..., nonce: _Optional[int] = ..., gas_price: _Optional[str] = ..., gas_limit: _Optional[int] = ..., max_fee_per_gas: _Optional[str] = ..., max_priority_fee_per_gas: _Optional[str] = ..., simulate_first: bool = ..., mode: _Optional[str] = ..., gasless: bool = ..., destination_tag: _Optional[int] = ..., memo: _Optional[str] = ..., fee_rate_sat_per_vbyte: _Optional[int] = ..., fee_limit_sun: _Optional[int] = ..., token_mint: _Optional[str] = ..., token_decimals: _Optional[int] = ..., ttl: _Optional[int] = ..., xrpl_tx_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., raw_transaction: _Optional[str] = ..., tron_transaction: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class SubmitTransactionResponse(_message.Message):
    __slots__ = ["transaction"]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ["agent_id", "chain", "chain_id", "created_at", "error_message", "id", "max_fee_per_gas", "max_priority_fee_per_gas", "signed_at", "signed_tx", "simulation_id", "simulation_status", "status", "tenderly_dashboard_url", "to", "tx_hash", "value_wei"]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MAX_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    MAX_PRIORITY_FEE_PER_GAS_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_TX_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TENDERLY_DASHBOARD_URL_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    VALUE_WEI_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    chain: str
    chain_id: int
    created_at: _timestamp_pb2.Timestamp
    error_message: str
    id: str
    max_fee_per_gas: str
    max_priority_fee_per_gas: str
    signed_at: _timestamp_pb2.Timestamp
    signed_tx: str
    simulation_id: str
    simulation_status: str
    status: str
    tenderly_dashboard_url: str
    to: str
    tx_hash: str
    value_wei: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., chain: _Optional[str] = ..., chain_id: _Optional[int] = ..., to: _Optional[str] = ..., value_wei: _Optional[str] = ..., status: _Optional[str] = ..., signed_tx: _Optional[str] = ..., tx_hash: _Optional[str] = ..., error_message: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., signed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., simulation_id: _Optional[str] = ..., simulation_status: _Optional[str] = ..., tenderly_dashboard_url: _Optional[str] = ..., max_fee_per_gas: _Optional[str] = ..., max_priority_fee_per_gas: _Optional[str] = ...) -> None: ...
