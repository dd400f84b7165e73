import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (Redis) that can be frozen: connections stay open and nothing passes
 * either way, as with a network partition or a stalled server, while the server itself keeps serving others.
 */
export class FreezableTcpProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private frozen = false;
  /** Bytes the clients sent towards the server since the start or the last resetCount(). */
  bytesUp = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('data', (chunk) => {
        this.bytesUp += chunk.length;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
      if (this.frozen) pair.forEach((socket) => socket.pause());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  freeze(): void {
    this.frozen = true;
    for (const pair of this.pairs) pair.forEach((socket) => socket.pause());
  }

  thaw(): void {
    this.frozen = false;
    for (const pair of this.pairs) pair.forEach((socket) => socket.resume());
  }

  /** Cuts every connection, as a network blip would; new ones are let through again. */
  dropConnections(): void {
    for (const pair of this.pairs) pair.forEach((socket) => socket.destroy());
  }

  resetCount(): void {
    this.bytesUp = 0;
  }

  async stop(): Promise<void> {
    for (const pair of this.pairs) pair.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
