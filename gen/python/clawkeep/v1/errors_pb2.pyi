from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorDetail(_message.Message):
    __slots__ = ["http_status", "retry_after_seconds", "type"]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    http_status: int
    retry_after_seconds: int
    type: str
    def __init__(self, http_status: _Optional[int] = ..., type: _Optional[str] = ..., retry_after_seconds: _Optional[int] = ...) -> None: ...
