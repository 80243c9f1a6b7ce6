// The REST route table, built from the google.api.http annotations of every served method.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { HttpRule } from "../../../gen/ts/google/api/http_pb.js";
import { httpRuleOf, successStatusOf } from "../method-options.js";
import { compareSpecificity, compileTemplate, type RouteTemplate } from "./route-template.js";

export interface RestRoute {
  httpMethod: string;
  template: RouteTemplate;
  service: DescService;
  method: DescMethod;
  /** "" (no body), "*" (the whole request) or the name of the field the body fills. */
  body: string;
  /** "" (the whole response) or the name of the response field that is the body. */
  responseBody: string;
  successStatus: number;
}

export function buildRestRoutes(services: DescService[]): RestRoute[] {
  const routes: RestRoute[] = [];
  const seen = new Map<string, string>();
  for (const service of services) {
    for (const method of service.methods) {
      const rule = httpRuleOf(method);
      if (!rule) continue;
      if (method.methodKind !== "unary") {
        throw new Error(`${service.typeName}.${method.name}: only unary methods can have a REST route`);
      }
      for (const binding of [rule, ...rule.additionalBindings]) {
        const route = routeOf(service, method, binding);
        const key = `${route.httpMethod} ${route.template.regex.source}`;
        const clash = seen.get(key);
        if (clash) throw new Error(`REST route ${route.httpMethod} ${route.template.source} is bound twice: ${clash} and ${method.name}`);
        seen.set(key, method.name);
        routes.push(route);
      }
    }
  }
  return routes.sort((a, b) => compareSpecificity(a.template, b.template));
}

function routeOf(service: DescService, method: DescMethod, rule: HttpRule): RestRoute {
  let httpMethod: string;
  let path: string;
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      httpMethod = rule.pattern.case.toUpperCase();
      path = rule.pattern.value;
      break;
    case "custom":
      httpMethod = rule.pattern.value.kind.toUpperCase();
      path = rule.pattern.value.path;
      break;
    default:
      throw new Error(`${service.typeName}.${method.name}: google.api.http rule has no pattern`);
  }
  return {
    httpMethod,
    template: compileTemplate(path),
    service,
    method,
    body: rule.body,
    responseBody: rule.responseBody,
    successStatus: successStatusOf(method),
  };
}
