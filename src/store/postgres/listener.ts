/**
 * The process's LISTEN connection: one dedicated client (a pooled one would be handed to other
 * queries), told by every commit's NOTIFY that the store moved on. When the connection is lost
 * it reconnects with backoff and jitter, and reports `online` so the store can answer from its
 * caches instead of waiting on a dead server.
 */
import type pg from 'pg';
import { createClient } from './connection.ts';

export const CHANGES_CHANNEL = 'citebot_changes';

export interface ListenerEvents {
  /** A commit's generation (from its NOTIFY), or null after a reconnect (notifications may have been missed). */
  onChange(generation: number | null): void;
  onOnline(online: boolean): void;
}

export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryDelay = 250;
  private retryTimer: NodeJS.Timeout | null = null;
  online = false;

  constructor(
    private readonly url: string,
    private readonly events: ListenerEvents,
  ) {}

  /** Connects and listens; rejects when the first connection fails (open reports it). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = createClient(this.url);
    client.on('notification', (message) => {
      const generation = Number(message.payload);
      this.events.onChange(Number.isFinite(generation) ? generation : null);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryDelay = 250;
    this.setOnline(true);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.setOnline(false);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryDelay * (0.75 + Math.random() / 2);
    this.retryDelay = Math.min(this.retryDelay * 2, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().then(
        // Changes committed while we were away sent notifications nobody heard.
        () => this.events.onChange(null),
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.retryTimer.unref();
  }

  private setOnline(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    this.events.onOnline(online);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
