import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import type { Response } from 'express';
import { RateLimitMetrics } from './rate-limit-metrics';

/** Adds the standard Retry-After header (the throttler only sets a per-limit Retry-After-<name> for named limits). */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  // A property, so the throttler's own constructor injection stays as it is.
  @Inject(RateLimitMetrics) private readonly metrics!: RateLimitMetrics;

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (error) {
      if (error instanceof ThrottlerException) this.metrics.rejected(request.throttler.name ?? 'default');
      throw error;
    }
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(detail.timeToBlockExpire));
    return super.throwThrottlingException(context, detail);
  }
}
