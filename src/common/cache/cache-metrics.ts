import { Injectable } from '@nestjs/common';

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

/**
 * Counts of the response cache in this process. `errors` counts Redis failures and timeouts (each one also
 * served the request uncached, so it is a bypass too).
 */
@Injectable()
export class CacheMetrics {
  hits = 0;
  misses = 0;
  bypasses = 0;
  errors = 0;

  count(outcome: CacheOutcome): void {
    if (outcome === 'hit') this.hits += 1;
    else if (outcome === 'miss') this.misses += 1;
    else this.bypasses += 1;
  }

  snapshot(): { hits: number; misses: number; bypasses: number; errors: number } {
    return { hits: this.hits, misses: this.misses, bypasses: this.bypasses, errors: this.errors };
  }
}
