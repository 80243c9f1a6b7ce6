from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

ACCESS_AGENT: Access
ACCESS_AGENT_OR_HUMAN: Access
ACCESS_FIELD_NUMBER: _ClassVar[int]
ACCESS_HUMAN: Access
ACCESS_PUBLIC: Access
ACCESS_UNSPECIFIED: Access
DESCRIPTOR: _descriptor.FileDescriptor
HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor
http_status: _descriptor.FieldDescriptor

class Access(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
