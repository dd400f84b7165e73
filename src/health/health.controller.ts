import { Controller, Get, ServiceUnavailableException, VERSION_NEUTRAL } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/auth/auth.decorators';
import type { ResolvedEnvironment } from '../config/environment';
import { ShutdownState } from '../system/shutdown-state';
import { MongoHealthIndicator } from './mongo.health';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  private readonly timeoutMs: number;

  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongoHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownState,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.timeoutMs = config.get('HEALTH_CHECK_TIMEOUT_MS', { infer: true });
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs and its event loop answers' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: MongoDB and Redis answer within the timeout, and the process is not draining' })
  async ready(): Promise<HealthCheckResult> {
    if (this.shutdown.draining) {
      throw new ServiceUnavailableException('Not ready: shutting down');
    }
    try {
      return await this.health.check([() => this.mongo.check('mongodb', this.timeoutMs), () => this.redis.check('redis', this.timeoutMs)]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException(`Not ready: ${describeFailures(error.getResponse() as HealthCheckResult)}`);
    }
  }
}

function describeFailures(result: HealthCheckResult): string {
  return Object.entries(result.error ?? {})
    .map(([name, detail]) => `${name} down${detail?.message ? ` (${String(detail.message)})` : ''}`)
    .join(', ');
}
