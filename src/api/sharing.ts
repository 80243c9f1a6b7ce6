// ShareService: proto ↔ the sharing domain. Thin: every rule lives in domain/sharing. It only
// reads which route a CreateShare came by (by secret id, or the Python SDK's vault and path), and
// where an AccessShare's passphrase came from (the body, or the X-Share-Passphrase header).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { CreateShareRequest, ShareListItemSchema, ShareSchema, ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { DomainError } from "../domain/errors.js";
import { DEFAULT_ALIAS_SHARE_HOURS, type CreateShareInput } from "../domain/sharing/share-rules.js";
import type { Share, ShareListing, Shares } from "../domain/sharing/shares.js";
import { dateOf } from "./agents.js";
import { callerIfAny, clientAddress, principalOf } from "./call-context.js";

/** Where REST GET callers (and any other protocol's metadata) send a share's passphrase. */
export const PASSPHRASE_HEADER = "x-share-passphrase";

export function shareService(shares: Shares): ServiceImpl<typeof ShareService> {
  return {
    async createShare(req, ctx) {
      const { input, defaultHours } = createInput(req);
      return { share: toShare(await shares.create(principalOf(ctx), input, clientAddress(ctx), defaultHours)) };
    },
    async accessShare(req, ctx) {
      const passphrase = req.passphrase ?? ctx.requestHeader.get(PASSPHRASE_HEADER) ?? undefined;
      const secret = await shares.access(callerIfAny(ctx), req.shareId, passphrase, clientAddress(ctx));
      return {
        sharedSecret: {
          id: secret.secretId,
          path: secret.path,
          type: secret.type,
          value: secret.value,
          accessCount: secret.accessCount,
          maxAccessCount: secret.maxAccessCount ?? undefined,
        },
      };
    },
    async revokeShare(req, ctx) {
      await shares.revoke(principalOf(ctx), req.shareId, clientAddress(ctx));
      return {};
    },
    async listOutboundShares(_req, ctx) {
      return { shares: (await shares.listOutbound(principalOf(ctx))).map(toListItem) };
    },
    async listInboundShares(_req, ctx) {
      return { shares: (await shares.listInbound(principalOf(ctx))).map(toListItem) };
    },
    async acceptShare(req, ctx) {
      await shares.accept(principalOf(ctx), req.shareId, clientAddress(ctx));
      return {};
    },
    async declineShare(req, ctx) {
      await shares.decline(principalOf(ctx), req.shareId, clientAddress(ctx));
      return {};
    },
  };
}

/**
 * The secret is named either by `secret_id` (POST /v1/secrets/{secret_id}/share) or by `vault_id`
 * and `secret_path` (POST /v1/shares, where the Python SDK may leave out the recipient type and
 * the lifetime). The SDK's own field names (`max_views`, `recipient_email`) are read on both.
 */
function createInput(req: CreateShareRequest): { input: CreateShareInput; defaultHours?: number } {
  const common = {
    recipientId: req.recipientId,
    permissions: req.permissions,
    expiresAt: dateOf(req.expiresAt),
    expiresInHours: req.expiresInHours,
    passphrase: req.passphrase,
    ipAllowlist: req.ipAllowlist,
    email: req.email || req.recipientEmail,
    maxAccessCount: req.maxAccessCount ?? req.maxViews,
  };
  if (req.secretId !== "") {
    if (req.vaultId !== "" || req.secretPath !== "") {
      throw new DomainError("invalid_argument", "name the secret one way: secret_id, or vault_id with secret_path, not both");
    }
    return {
      input: { ...common, secret: { secretId: req.secretId }, recipientType: req.recipientType },
    };
  }
  if (req.vaultId === "" || req.secretPath === "") {
    throw new DomainError("invalid_argument", "name the secret to share: secret_id, or vault_id with secret_path");
  }
  return {
    input: {
      ...common,
      secret: { vaultId: req.vaultId, path: req.secretPath },
      recipientType: req.recipientType === "" ? "anyone_with_link" : req.recipientType,
    },
    defaultHours: DEFAULT_ALIAS_SHARE_HOURS,
  };
}

function toShare(share: Share): MessageInitShape<typeof ShareSchema> {
  return {
    id: share.id,
    shareUrl: share.shareUrl,
    recipientType: share.recipientType,
    recipientEmail: share.recipientEmail ?? undefined,
    expiresAt: timestampFromDate(share.expiresAt),
    maxAccessCount: share.maxAccessCount ?? undefined,
  };
}

function toListItem(item: ShareListing): MessageInitShape<typeof ShareListItemSchema> {
  return {
    id: item.id,
    secretPath: item.secretPath,
    recipientType: item.recipientType,
    recipientEmail: item.recipientEmail ?? undefined,
    accessCount: item.accessCount,
    maxAccessCount: item.maxAccessCount ?? undefined,
    expiresAt: timestampFromDate(item.expiresAt),
    createdAt: timestampFromDate(item.createdAt),
    isExpired: item.isExpired,
    isAccepted: item.isAccepted,
  };
}
