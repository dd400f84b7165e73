import { Controller, Delete, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Authenticated, Public, RequiresScope } from '../common/auth/auth.decorators';
import { routeAccessOf, undeclaredMutatingRoutes } from './route-access.check';

@Controller('things')
class ThingsController {
  @Get()
  list(): void {}

  @Post()
  @Authenticated()
  @RequiresScope('files:write')
  create(): void {}

  @Delete(':id')
  forgotten(): void {}

  @Post('public')
  @Public()
  open(): void {}

  helper(): void {}
}

@Controller('declared')
@Authenticated()
class DeclaredController {
  @Delete(':id')
  remove(): void {}
}

describe('routeAccessOf', () => {
  const routes = routeAccessOf([ThingsController, DeclaredController], new Reflector());

  it('lists every route handler with its access and the scope it needs', () => {
    expect(routes).toEqual([
      { route: 'ThingsController.list', method: 'GET', access: undefined, scope: 'full' },
      { route: 'ThingsController.create', method: 'POST', access: 'user', scope: 'files:write' },
      { route: 'ThingsController.forgotten', method: 'DELETE', access: undefined, scope: 'full' },
      { route: 'ThingsController.open', method: 'POST', access: 'public', scope: 'full' },
      { route: 'DeclaredController.remove', method: 'DELETE', access: 'user', scope: 'full' },
    ]);
  });

  it('finds the mutating routes that declare no access', () => {
    expect(undeclaredMutatingRoutes(routes).map((route) => route.route)).toEqual(['ThingsController.forgotten']);
  });
});
