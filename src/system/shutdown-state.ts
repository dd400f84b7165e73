import { Injectable } from '@nestjs/common';

/** Set once SIGTERM arrives, so readiness turns 503 and the load balancer stops sending new requests. */
@Injectable()
export class ShutdownState {
  draining = false;
}
