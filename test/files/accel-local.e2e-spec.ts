import { describeAccelSuite } from './accel-suite';

describeAccelSuite('local', __filename);
