from clawkeep.v1 import options_pb2 as _options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateIpRuleRequest(_message.Message):
    __slots__ = ["applies_to", "cidr", "label", "rule_type"]
    APPLIES_TO_FIELD_NUMBER: _ClassVar[int]
    CIDR_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    RULE_TYPE_FIELD_NUMBER: _ClassVar[int]
    applies_to: str
    cidr: str
    label: str
    rule_type: str
    def __init__(self, rule_type: _Optional[str] = ..., cidr: _Optional[str] = ..., label: _Optional[str] = ..., applies_to: _Optional[str] = ...) -> None: ...

class CreateIpRuleResponse(_message.Message):
    __slots__ = ["rule"]
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: IpRule
    def __init__(self, rule: _Optional[_Union[IpRule, _Mapping]] = ...) -> None: ...

class DeleteIpRuleRequest(_message.Message):
    __slots__ = ["rule_id"]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    def __init__(self, rule_id: _Optional[str] = ...) -> None: ...

class DeleteIpRuleResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetAgentKeysVaultRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetAgentKeysVaultResponse(_message.Message):
    __slots__ = ["vault_id"]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class GetOrgSettingsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetOrgSettingsResponse(_message.Message):
    __slots__ = ["settings"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: OrgSettings
    def __init__(self, settings: _Optional[_Union[OrgSettings, _Mapping]] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ["created_at", "email", "expires_at", "id", "invited_by", "role"]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INVITED_BY_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    email: str
    expires_at: _timestamp_pb2.Timestamp
    id: str
    invited_by: str
    role: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[str] = ..., invited_by: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InviteMemberRequest(_message.Message):
    __slots__ = ["email", "role"]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    email: str
    role: str
    def __init__(self, email: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class InviteMemberResponse(_message.Message):
    __slots__ = ["email", "message"]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    email: str
    message: str
    def __init__(self, message: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class IpRule(_message.Message):
    __slots__ = ["applies_to", "cidr", "created_at", "created_by", "id", "label", "org_id", "rule_type"]
    APPLIES_TO_FIELD_NUMBER: _ClassVar[int]
    CIDR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_TYPE_FIELD_NUMBER: _ClassVar[int]
    applies_to: str
    cidr: str
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    id: str
    label: str
    org_id: str
    rule_type: str
    def __init__(self, id: _Optional[str] = ..., org_id: _Optional[str] = ..., rule_type: _Optional[str] = ..., cidr: _Optional[str] = ..., label: _Optional[str] = ..., applies_to: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInvitationsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListInvitationsResponse(_message.Message):
    __slots__ = ["invitations"]
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ...) -> None: ...

class ListIpRulesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListIpRulesResponse(_message.Message):
    __slots__ = ["rules"]
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[IpRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[IpRule, _Mapping]]] = ...) -> None: ...

class ListOrgMembersRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListOrgMembersResponse(_message.Message):
    __slots__ = ["members"]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[OrgMember]
    def __init__(self, members: _Optional[_Iterable[_Union[OrgMember, _Mapping]]] = ...) -> None: ...

class OrgMember(_message.Message):
    __slots__ = ["auth_method", "created_at", "display_name", "email", "id", "role"]
    AUTH_METHOD_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    auth_method: str
    created_at: _timestamp_pb2.Timestamp
    display_name: str
    email: str
    id: str
    role: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ..., role: _Optional[str] = ..., auth_method: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrgSettings(_message.Message):
    __slots__ = ["agent_key_claim", "intents_require_simulation"]
    AGENT_KEY_CLAIM_FIELD_NUMBER: _ClassVar[int]
    INTENTS_REQUIRE_SIMULATION_FIELD_NUMBER: _ClassVar[int]
    agent_key_claim: bool
    intents_require_simulation: bool
    def __init__(self, agent_key_claim: bool = ..., intents_require_simulation: bool = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ["user_id"]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RevokeInvitationRequest(_message.Message):
    __slots__ = ["invitation_id"]
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    def __init__(self, invitation_id: _Optional[str] = ...) -> None: ...

class RevokeInvitationResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UpdateMemberRoleRequest(_message.Message):
    __slots__ = ["role", "user_id"]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    role: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class UpdateMemberRoleResponse(_message.Message):
    __slots__ = ["member"]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: OrgMember
    def __init__(self, member: _Optional[_Union[OrgMember, _Mapping]] = ...) -> None: ...

class UpdateOrgSettingsRequest(_message.Message):
    __slots__ = ["agent_key_claim", "intents_require_simulation"]
    AGENT_KEY_CLAIM_FIELD_NUMBER: _ClassVar[int]
    INTENTS_REQUIRE_SIMULATION_FIELD_NUMBER: _ClassVar[int]
    agent_key_claim: bool
    intents_require_simulation: bool
    def __init__(self, agent_key_claim: bool = ..., intents_require_simulation: bool = ...) -> None: ...

class UpdateOrgSettingsResponse(_message.Message):
    __slots__ = ["settings"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: OrgSettings
    def __init__(self, settings: _Optional[_Union[OrgSettings, _Mapping]] = ...) -> None: ...
