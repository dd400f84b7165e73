import { describeFilesSuite } from './files-suite';

describeFilesSuite('local', __filename);
