// An agent's identity keypairs, in the formats 1Claw uses: an Ed25519 signing key (public half
// 32 bytes, private half the 32-byte seed) and a P-256 ECDH key (public half the 65-byte
// uncompressed SEC1 point 04‖x‖y, private half the 32-byte scalar), all base64.
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";

export interface AgentKeypairs {
  sshPublicKey: string;
  sshPrivateKey: string;
  ecdhPublicKey: string;
  ecdhPrivateKey: string;
}

export function generateAgentKeypairs(): AgentKeypairs {
  const ssh = ed25519.keygen();
  const ecdh = p256.keygen();
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return {
    sshPublicKey: b64(ssh.publicKey),
    sshPrivateKey: b64(ssh.secretKey),
    ecdhPublicKey: b64(p256.getPublicKey(ecdh.secretKey, false)),
    ecdhPrivateKey: b64(ecdh.secretKey),
  };
}
