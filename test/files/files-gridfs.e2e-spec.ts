import { describeFilesSuite } from './files-suite';

describeFilesSuite('gridfs', __filename);
