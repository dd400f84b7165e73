import { describeRateLimitsSuite } from './rate-limits-suite';

describeRateLimitsSuite(__filename);
