from clawkeep.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AcceptShareRequest(_message.Message):
    __slots__ = ["share_id"]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    share_id: str
    def __init__(self, share_id: _Optional[str] = ...) -> None: ...

class AcceptShareResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class AccessShareRequest(_message.Message):
    __slots__ = ["passphrase", "share_id"]
    PASSPHRASE_FIELD_NUMBER: _ClassVar[int]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    passphrase: str
    share_id: str
    def __init__(self, share_id: _Optional[str] = ..., passphrase: _Optional[str] = ...) -> None: ...

class AccessShareResponse(_message.Message):
    __slots__ = ["shared_secret"]
    SHARED_SECRET_FIELD_NUMBER: _ClassVar[int]
    shared_secret: SharedSecret
    def __init__(self, shared_secret: _Optional[_Union[SharedSecret, _Mapping]] = ...) -> None: ...

class CreateShareRequest(_message.Message):
    __slots__ = ["email", "expires_at", "expires_in_hours", "ip_allowlist", "max_access_count", "max_views", "passphrase", "permissions", "recipient_email", "recipient_id", "recipient_type", "secret_id", "secret_path", "vault_id"]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_HOURS_FIELD_NUMBER: _ClassVar[int]
    IP_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    MAX_ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_VIEWS_FIELD_NUMBER: _ClassVar[int]
    PASSPHRASE_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_PATH_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    email: str
    expires_at: _timestamp_pb2.Timestamp
    expires_in_hours: int
    ip_allowlist: _containers.RepeatedScalarFieldContainer[str]
    max_access_count: int
    max_views: int
    passphrase: str
    permissions: _containers.RepeatedScalarFieldContainer[str]
    recipient_email: str
    recipient_id: str
    recipient_type: str
    secret_id: str
    secret_path: str
    vault_id: str
    def __init__(self, secret_id: _Optional[str] = ..., recipient_type: _Optional[str] = ..., recipient_id: _Optional[str] = ..., email: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ..., max_access_count: _Optional[int] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., passphrase: _Optional[str] = ..., ip_allowlist: _Optional[_Iterable[str]] = ..., vault_id: _Optional[str] = ..., secret_path: _Optional[str] = ..., expires_in_hours: _Optional[int] = ..., max_views: _Optional[int] = ..., recipient_email: _Optional[str] = ...) -> None: ...

class CreateShareResponse(_message.Message):
    __slots__ = ["share"]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    share: Share
    def __init__(self, share: _Optional[_Union[Share, _Mapping]] = ...) -> None: ...

class DeclineShareRequest(_message.Message):
    __slots__ = ["share_id"]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    share_id: str
    def __init__(self, share_id: _Optional[str] = ...) -> None: ...

class DeclineShareResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListInboundSharesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListInboundSharesResponse(_message.Message):
    __slots__ = ["shares"]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    shares: _containers.RepeatedCompositeFieldContainer[ShareListItem]
    def __init__(self, shares: _Optional[_Iterable[_Union[ShareListItem, _Mapping]]] = ...) -> None: ...

class ListOutboundSharesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListOutboundSharesResponse(_message.Message):
    __slots__ = ["shares"]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    shares: _containers.RepeatedCompositeFieldContainer[ShareListItem]
    def __init__(self, shares: _Optional[_Iterable[_Union[ShareListItem, _Mapping]]] = ...) -> None: ...

class RevokeShareRequest(_message.Message):
    __slots__ = ["share_id"]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    share_id: str
    def __init__(self, share_id: _Optional[str] = ...) -> None: ...

class RevokeShareResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Share(_message.Message):
    __slots__ = ["expires_at", "id", "max_access_count", "recipient_email", "recipient_type", "share_url"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MAX_ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHARE_URL_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    id: str
    max_access_count: int
    recipient_email: str
    recipient_type: str
    share_url: str
    def __init__(self, id: _Optional[str] = ..., share_url: _Optional[str] = ..., recipient_type: _Optional[str] = ..., recipient_email: _Optional[str] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., max_access_count: _Optional[int] = ...) -> None: ...

class ShareListItem(_message.Message):
    __slots__ = ["access_count", "created_at", "expires_at", "id", "is_accepted", "is_expired", "max_access_count", "recipient_email", "recipient_type", "secret_path"]
    ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    IS_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    MAX_ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SECRET_PATH_FIELD_NUMBER: _ClassVar[int]
    access_count: int
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    id: str
    is_accepted: bool
    is_expired: bool
    max_access_count: int
    recipient_email: str
    recipient_type: str
    secret_path: str
    def __init__(self, id: _Optional[str] = ..., secret_path: _Optional[str] = ..., recipient_type: _Optional[str] = ..., recipient_email: _Optional[str] = ..., access_count: _Optional[int] = ..., max_access_count: _Optional[int] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., is_expired: bool = ..., is_accepted: bool = ...) -> None: ...

class SharedSecret(_message.Message):
    __slots__ = ["access_count", "id", "max_access_count", "path", "type", "value"]
    ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MAX_ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    access_count: int
    id: str
    max_access_count: int
    path: str
    type: str
    value: str
    def __init__(self, id: _Optional[str] = ..., path: _Optional[str] = ..., type: _Optional[str] = ..., value: _Optional[str] = ..., access_count: _Optional[int] = ..., max_access_count: _Optional[int] = ...) -> None: ...
