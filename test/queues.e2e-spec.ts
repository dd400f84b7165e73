import { describeQueuesSuite } from './queues-suite';

describeQueuesSuite(__filename);
