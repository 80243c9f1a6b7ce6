from clawkeep.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuditChainScheme(_message.Message):
    __slots__ = ["algorithm", "chain_structure", "documentation", "hash_field", "link_field"]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    CHAIN_STRUCTURE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTATION_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_FIELD_NUMBER: _ClassVar[int]
    algorithm: str
    chain_structure: str
    documentation: str
    hash_field: str
    link_field: str
    def __init__(self, algorithm: _Optional[str] = ..., chain_structure: _Optional[str] = ..., hash_field: _Optional[str] = ..., link_field: _Optional[str] = ..., documentation: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ["action", "actor_id", "actor_type", "created_at", "details", "id", "integrity_hash", "ip_address", "org_id", "prev_event_id", "resource_id", "resource_type"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INTEGRITY_HASH_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    PREV_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor_id: str
    actor_type: str
    created_at: _timestamp_pb2.Timestamp
    details: _struct_pb2.Struct
    id: str
    integrity_hash: str
    ip_address: str
    org_id: str
    prev_event_id: str
    resource_id: str
    resource_type: str
    def __init__(self, id: _Optional[str] = ..., org_id: _Optional[str] = ..., actor_type: _Optional[str] = ..., actor_id: _Optional[str] = ..., action: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., ip_address: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., prev_event_id: _Optional[str] = ..., integrity_hash: _Optional[str] = ...) -> None: ...

class QueryAuditEventsRequest(_message.Message):
    __slots__ = ["action", "actor_id", "limit", "offset", "resource_id", "to"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor_id: str
    limit: int
    offset: int
    resource_id: str
    to: _timestamp_pb2.Timestamp
    def __init__(self, resource_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., action: _Optional[str] = ..., to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., **kwargs) -> None: ...

class QueryAuditEventsResponse(_message.Message):
    __slots__ = ["count", "events"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    count: int
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., count: _Optional[int] = ...) -> None: ...

class VerifyAuditChainRequest(_message.Message):
    __slots__ = ["limit", "to"]
    FROM_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    limit: int
    to: _timestamp_pb2.Timestamp
    def __init__(self, to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., **kwargs) -> None: ...

class VerifyAuditChainResponse(_message.Message):
    __slots__ = ["broken_at_event_id", "broken_reason", "chain_valid", "events_checked", "events_pending", "events_verified", "scheme"]
    BROKEN_AT_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    BROKEN_REASON_FIELD_NUMBER: _ClassVar[int]
    CHAIN_VALID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_PENDING_FIELD_NUMBER: _ClassVar[int]
    EVENTS_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    broken_at_event_id: str
    broken_reason: str
    chain_valid: bool
    events_checked: int
    events_pending: int
    events_verified: int
    scheme: AuditChainScheme
    def __init__(self, chain_valid: bool = ..., events_verified: _Optional[int] = ..., events_checked: _Optional[int] = ..., broken_at_event_id: _Optional[str] = ..., scheme: _Optional[_Union[AuditChainScheme, _Mapping]] = ..., broken_reason: _Optional[str] = ..., events_pending: _Optional[int] = ...) -> None: ...

class WatchAuditEventsRequest(_message.Message):
    __slots__ = ["action", "actor_id", "cursor", "resource_id"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor_id: str
    cursor: str
    resource_id: str
    def __init__(self, cursor: _Optional[str] = ..., resource_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., action: _Optional[str] = ...) -> None: ...

class WatchAuditEventsResponse(_message.Message):
    __slots__ = ["cursor", "event"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    event: AuditEvent
    def __init__(self, event: _Optional[_Union[AuditEvent, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...
