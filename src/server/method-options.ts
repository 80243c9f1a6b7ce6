// Reads our method options (clawkeep.v1.access, clawkeep.v1.http_status) and google.api.http
// from the generated descriptors. The contract is the one place these are declared.
import { getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { http } from "../../gen/ts/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/ts/google/api/http_pb.js";
import { Access, access, http_status } from "../../gen/ts/clawkeep/v1/options_pb.js";

export { Access };

/** Read once per method: every call asks, and reading an option decodes it afresh each time. */
const accessByMethod = new WeakMap<DescMethod, Access>();

export function accessOf(method: DescMethod): Access {
  let found = accessByMethod.get(method);
  if (found === undefined) {
    found = hasOption(method, access) ? getOption(method, access) : Access.UNSPECIFIED;
    accessByMethod.set(method, found);
  }
  return found;
}

/** The REST success status: 200 unless the method declares 201 or 204. */
export function successStatusOf(method: DescMethod): number {
  return hasOption(method, http_status) ? getOption(method, http_status) : 200;
}

export function httpRuleOf(method: DescMethod): HttpRule | undefined {
  return hasOption(method, http) ? getOption(method, http) : undefined;
}
