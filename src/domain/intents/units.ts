// Amounts: a decimal string in a chain's major unit (ETH) to its smallest unit (wei), exactly, with
// bigint arithmetic only. No floating point anywhere: "0.1" is 100000000000000000 wei, not a
// binary approximation of it.
import { DomainError } from "../errors.js";

const DECIMAL = /^(\d{1,60})(?:\.(\d{1,60}))?$/;

/** `value` ("0.01", "1", "1.500") in the smallest unit of a currency with `decimals` decimals. */
export function toSmallestUnit(value: string, decimals: number, field = "value"): bigint {
  const match = DECIMAL.exec(value);
  if (!match) throw new DomainError("invalid_argument", `${field} must be a non-negative decimal string such as "0.01", got "${value.slice(0, 40)}"`);
  const [, whole, fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > decimals) {
    throw new DomainError("invalid_argument", `${field} "${value.slice(0, 80)}" has ${significant.length} decimals; the currency has ${decimals}`);
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(significant.padEnd(decimals, "0") || "0");
}

/** The smallest unit back in the major unit, without trailing zeros: 1500000000000000000n → "1.5". */
export function fromSmallestUnit(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? "." + fraction : ""}`;
}

/** The largest amount an EVM transaction can carry: 2^256 - 1. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** A wei amount given as a decimal integer string (fees), or undefined when empty. */
export function weiField(value: string, field: string): bigint | undefined {
  if (value === "") return undefined;
  if (!/^\d{1,78}$/.test(value)) throw new DomainError("invalid_argument", `${field} must be a whole number of wei as a decimal string, got "${value.slice(0, 40)}"`);
  const wei = BigInt(value);
  if (wei > MAX_UINT256) throw new DomainError("invalid_argument", `${field} is larger than 2^256 - 1 wei`);
  return wei;
}
