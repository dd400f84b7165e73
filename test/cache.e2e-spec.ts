import { describeCacheManagerSuite } from './cache-suite';

describeCacheManagerSuite(__filename);
