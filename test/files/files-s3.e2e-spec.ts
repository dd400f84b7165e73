import { describeFilesSuite } from './files-suite';

describeFilesSuite('s3', __filename);
