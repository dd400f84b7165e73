import { Injectable, type OnModuleInit, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { type Access, ACCESS_METADATA, SCOPE_METADATA } from '../common/auth/auth.decorators';
import type { TokenScope } from '../common/auth/token-scope';

/** One route handler as the guard sees it. */
export interface RouteAccess {
  route: string;
  method: string;
  /** The @Public / @Authenticated / @AdminOnly declaration, on the handler or its controller; undefined if none. */
  access: Access | undefined;
  /** The token scope it needs (`full` unless @RequiresScope says otherwise). */
  scope: TokenScope;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every route handler of these controllers with its access declaration and the scope it needs. */
export function routeAccessOf(controllers: Type[], reflector: Reflector): RouteAccess[] {
  const routes: RouteAccess[] = [];
  for (const controller of controllers) {
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const targets = [handler, controller];
      routes.push({
        route: `${controller.name}.${name}`,
        method: RequestMethod[method],
        access: reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, targets),
        scope: reflector.getAllAndOverride<TokenScope | undefined>(SCOPE_METADATA, targets) ?? 'full',
      });
    }
  }
  return routes;
}

/** The routes that change something without saying who may call them (the guard would treat them as `user`). */
export const undeclaredMutatingRoutes = (routes: RouteAccess[]): RouteAccess[] =>
  routes.filter((route) => route.access === undefined && !READ_METHODS.has(route.method));

/**
 * Refuses to boot while a mutating route declares no access (@Public, @Authenticated or @AdminOnly): with
 * scoped tokens, what a route lets which token do must be a decision, not a default somebody forgot.
 */
@Injectable()
export class RouteAccessCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype)
      .filter((metatype): metatype is Type => typeof metatype === 'function');
    const undeclared = undeclaredMutatingRoutes(routeAccessOf(controllers, this.reflector));
    if (undeclared.length > 0) {
      throw new Error(
        `Routes that change something must declare their access (@Public, @Authenticated or @AdminOnly): ${undeclared
          .map((route) => `${route.method} ${route.route}`)
          .join(', ')}`,
      );
    }
  }
}
