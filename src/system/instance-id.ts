import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Names this process in logs and job results: the pod name in Kubernetes, plus a per-start suffix. */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

export const newInstanceId = (): string => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
