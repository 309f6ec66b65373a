import { Injectable, RequestMethod, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_KEY, PUBLIC_KEY, TENANT_PARAM, type AccessRule } from '../auth/decorators';

export interface DeclaredRoute {
  method: string;
  path: string;
  isPublic: boolean;
  rule?: AccessRule;
  /** Names of the path parameters the handler reads with @Param(name). */
  params: string[];
}

const TENANT_PREFIX = `/v1/orgs/:${TENANT_PARAM}`;

/**
 * What is wrong with a route's declaration, if anything: every route says who may call it;
 * every route under /v1/orgs/:x is a tenant route whose organization is `:orgId`; and only
 * tenant routes name a role or an API-key scope.
 */
export function declarationProblem(route: DeclaredRoute): string | undefined {
  const { path, rule } = route;
  const underOrg = path.startsWith('/v1/orgs/:');
  if (route.isPublic) return underOrg ? 'is public under /v1/orgs/' : undefined;
  if (!rule) return 'has neither @Public() nor @Authenticated()';
  if (underOrg && !rule.tenant) return 'is under /v1/orgs/ but not declared @Authenticated({ tenant: true, role })';
  if (rule.tenant && path !== TENANT_PREFIX && !path.startsWith(`${TENANT_PREFIX}/`))
    return `is declared tenant but its path does not start with ${TENANT_PREFIX}`;
  if (rule.tenant && route.params.includes(TENANT_PARAM))
    return `reads :${TENANT_PARAM} with @Param() instead of @OrgId()`;
  return undefined;
}

/** Every controller route of the application with its declaration, read from Nest's metadata. */
export function declaredRoutes(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector) {
  return discovery.getControllers().flatMap(({ instance, metatype }) => {
    if (!instance || !metatype) return [];
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    const base = reflector.get<string | string[] | undefined>(PATH_METADATA, metatype) ?? '';
    return scanner.getAllMethodNames(prototype).flatMap((name) => {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const subPaths = reflector.get<string | string[] | undefined>(PATH_METADATA, handler);
      if (subPaths === undefined) return [];
      const method = RequestMethod[reflector.get<RequestMethod>(METHOD_METADATA, handler)] ?? 'GET';
      const targets = [handler, metatype];
      const params = pathParamNames(metatype, name);
      return [base]
        .flat()
        .flatMap((prefix) => [subPaths].flat().map((sub) => joinPath(prefix, sub)))
        .map((path) => ({
          method,
          path,
          isPublic: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) ?? false,
          rule: reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, targets),
          params,
        }));
    });
  });
}

/** Nest keeps a handler's parameter decorators on its class, keyed `<paramtype>:<index>`. */
function pathParamNames(controller: object, method: string): string[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { data?: unknown }
  >;
  return Object.entries(args)
    .filter(([key, arg]) => key.startsWith(`${RouteParamtypes.PARAM}:`) && typeof arg.data === 'string')
    .map(([, arg]) => arg.data as string);
}

function joinPath(...parts: string[]): string {
  return `/${parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
}

/**
 * Refuses to start an application with a route whose tenancy is not declared: tenancy is never
 * inferred from a parameter's name, so a forgotten declaration must not fail open.
 */
@Injectable()
export class RouteDeclarationCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const problems = declaredRoutes(this.discovery, this.scanner, this.reflector).flatMap((route) => {
      const problem = declarationProblem(route);
      return problem ? [`${route.method} ${route.path} ${problem}`] : [];
    });
    if (problems.length) throw new Error(`Undeclared route access:\n  ${problems.join('\n  ')}`);
  }
}
