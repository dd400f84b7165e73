import { describeAccelSuite } from './accel-suite';

describeAccelSuite('s3', __filename);
