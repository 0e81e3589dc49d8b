/**
 * A local emulator of the parts of Discord's REST API and gateway that citebot uses,
 * good enough for the real discord.js v14 client: `new Client({ rest: { api: emu.apiUrl } })`.
 *
 * REST (under /api/v10):
 *   GET  /gateway/bot, /users/@me, /applications/@me
 *   PUT  /applications/:app/commands, /applications/:app/guilds/:guild/commands
 *   POST /channels/:id/messages, /channels/:id/typing, /channels/:id/messages/:mid/threads
 *   POST /interactions/:id/:token/callback
 *   PATCH/DELETE /webhooks/:app/:token/messages/@original, POST /webhooks/:app/:token (follow-ups)
 * Attachments: GET /attachments/:id/:name (served from memory, see `addAttachment`).
 * Gateway (ws://…/gateway): HELLO, IDENTIFY → READY + GUILD_CREATE, HEARTBEAT → HEARTBEAT_ACK,
 * RESUME → the missed dispatches replayed, then RESUMED.
 *
 * Sharding as Discord does it: IDENTIFY carries `shard: [id, count]` (absent: [0, 1]); READY,
 * GUILD_CREATE and every dispatch about a guild go only to the connections of shard
 * `(guild_id >> 22) % count`, and everything else (DMs) to shard 0. GET /gateway/bot recommends
 * `shardCount` shards.
 *
 * Everything received is recorded with its arrival time so tests can await "the reply to interaction X".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const PERMISSIONS = {
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  ManageGuild: 1n << 5n,
  Administrator: 1n << 3n,
  SendMessagesInThreads: 1n << 38n,
  CreatePublicThreads: 1n << 35n,
  UseApplicationCommands: 1n << 31n,
} as const;

/** What an ordinary member can do: view, send, read history, use commands. */
export const MEMBER_PERMISSIONS = (
  PERMISSIONS.ViewChannel |
  PERMISSIONS.SendMessages |
  PERMISSIONS.ReadMessageHistory |
  PERMISSIONS.UseApplicationCommands |
  PERMISSIONS.EmbedLinks
).toString();
export const MODERATOR_PERMISSIONS = (BigInt(MEMBER_PERMISSIONS) | PERMISSIONS.ManageGuild).toString();

export interface EmuChannel {
  id: string;
  name: string;
  type?: number;
}
export interface EmuRole {
  id: string;
  name: string;
  permissions?: string;
}
export interface EmuGuild {
  id: string;
  name: string;
  channels: EmuChannel[];
  roles?: EmuRole[];
}

export interface EmuUser {
  id: string;
  username: string;
  bot?: boolean;
}

export interface EmulatorOptions {
  heartbeatIntervalMs?: number;
  guilds?: EmuGuild[];
  /** Token the bot must present (REST Authorization and IDENTIFY). Default: any. */
  token?: string;
  applicationId?: string;
  botUserId?: string;
  /** The shard count GET /gateway/bot recommends (what discord.js's 'auto' uses). Default 1. */
  shardCount?: number;
}

/** [shard id, shard count], as in IDENTIFY and READY. */
export type ShardPair = [number, number];

/** The shard that receives a guild's events: Discord's `(guild_id >> 22) % shard_count`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any;
  at: number;
}

export interface InteractionCallback {
  interactionId: string;
  token: string;
  type: number;
  data: any;
  at: number;
}

export interface WebhookMessage {
  token: string;
  messageId: string;
  data: any;
  at: number;
  kind: 'edit' | 'followup' | 'delete';
}

export interface ChannelMessage {
  id: string;
  channelId: string;
  data: any;
  at: number;
}

export interface SentInteraction {
  id: string;
  token: string;
  payload: any;
  dispatchedAt: number;
  /** The shard ids whose connections it was sent to (empty: no connection of its shard was open). */
  deliveredTo: number[];
}

/** The reply a user would finally see: the immediate callback, or the deferred reply's edit / an error follow-up. */
export interface InteractionReply {
  callback: InteractionCallback;
  /** Final message data (callback data for type 4/7, the @original edit for deferrals, or the first follow-up). */
  message: any;
  ephemeral: boolean;
  deferLatencyMs: number;
  kind: 'immediate' | 'edit' | 'followup';
}

let snowflakeCounter = 0n;
export function snowflake(): string {
  const ts = BigInt(Date.now() - 1420070400000);
  snowflakeCounter = (snowflakeCounter + 1n) & 0xfffn;
  return ((ts << 22n) | (1n << 17n) | snowflakeCounter).toString();
}

function randomToken(): string {
  return `aW50ZXJhY3Rpb246${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

export class DiscordEmulator extends EventEmitter {
  readonly applicationId: string;
  readonly botUser: EmuUser;
  readonly guilds: EmuGuild[];
  readonly heartbeatIntervalMs: number;
  readonly expectedToken: string | undefined;
  /** What GET /gateway/bot recommends; tests may change it between starts. */
  shardCount: number;

  readonly requests: RecordedRequest[] = [];
  readonly callbacks: InteractionCallback[] = [];
  readonly webhookMessages: WebhookMessage[] = [];
  readonly channelMessages: ChannelMessage[] = [];
  readonly threads: { id: string; parentId: string; messageId: string; name: string; at: number }[] = [];
  readonly commands: { scope: string; body: any[]; at: number }[] = [];
  readonly identifies: any[] = [];
  readonly heartbeats: { at: number; acked: boolean }[] = [];
  readonly sent: SentInteraction[] = [];
  /** Gateway connections opened, and RESUME payloads received. */
  connections = 0;
  resumes = 0;

  private server!: Server;
  private wss!: WebSocketServer;
  private sockets = new Set<WebSocket>();
  /** The shard each identified (or resumed) connection serves; sessions remember theirs for RESUME. */
  private shardOfSocket = new Map<WebSocket, ShardPair>();
  private shardOfSession = new Map<string, ShardPair>();
  /** The latest dispatches, replayed to a client that resumes. */
  private recentDispatches: { op: 0; t: string; s: number; d: unknown }[] = [];
  private seq = 0;
  private attachments = new Map<string, { bytes: Buffer; contentType: string }>();
  private closed = false;
  port = 0;

  constructor(options: EmulatorOptions = {}) {
    super();
    this.setMaxListeners(1000);
    this.applicationId = options.applicationId ?? snowflake();
    this.botUser = { id: options.botUserId ?? this.applicationId, username: 'citebot', bot: true };
    this.guilds = options.guilds ?? [];
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41250;
    this.expectedToken = options.token;
    this.shardCount = options.shardCount ?? 1;
  }

  static async start(options: EmulatorOptions = {}): Promise<DiscordEmulator> {
    const emu = new DiscordEmulator(options);
    await emu.listen();
    return emu;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** What to give discord.js as `rest.api` (and DISCORD_API_URL). */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }
  /** Heartbeats answered with HEARTBEAT_ACK. */
  get heartbeatAcks(): number {
    return this.heartbeats.filter((h) => h.acked).length;
  }
  get connected(): boolean {
    return [...this.sockets].some((s) => s.readyState === s.OPEN);
  }
  /** The shard pairs of the open, identified connections. */
  get connectedShards(): ShardPair[] {
    return [...this.shardOfSocket].filter(([ws]) => ws.readyState === ws.OPEN).map(([, pair]) => pair);
  }
  /** The guilds a shard serves. */
  guildsOf([id, count]: ShardPair): EmuGuild[] {
    return this.guilds.filter((g) => shardOf(g.id, count) === id);
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handleHttp(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ message: String(error), code: 0 }));
      });
    });
    // Discord's edge keeps idle connections open for minutes. Node's default of 5 s races the
    // client's own 4 s idle close (undici checks it on a 1 s tick): a request sent on a socket the
    // server is closing fails with "other side closed", which no real Discord user would meet.
    this.server.keepAliveTimeout = 10 * 60_000;
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onGateway(ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- gateway

  private send(ws: WebSocket, payload: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  private onGateway(ws: WebSocket): void {
    this.sockets.add(ws);
    this.connections++;
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.shardOfSocket.delete(ws);
    });
    this.send(ws, { op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null });
    ws.on('message', (raw) => {
      let msg: any;
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      switch (msg.op) {
        case 1: {
          const hb = { at: Date.now(), acked: false };
          this.heartbeats.push(hb);
          this.send(ws, { op: 11, d: null, s: null, t: null });
          hb.acked = true;
          this.emit('heartbeat', hb);
          break;
        }
        case 2: {
          this.identifies.push({ ...msg.d, token: '[redacted]' });
          if (this.expectedToken && msg.d?.token !== this.expectedToken) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          const shard = this.shardPair(msg.d?.shard);
          if (!shard) {
            ws.close(4010, 'Invalid shard.');
            return;
          }
          this.shardOfSocket.set(ws, shard);
          this.sendReady(ws, shard);
          break;
        }
        case 6: {
          this.resumes++;
          const shard = this.shardOfSession.get(String(msg.d?.session_id)) ?? [0, 1];
          this.shardOfSocket.set(ws, shard);
          // Like Discord: replay the dispatches of this shard the client missed (sent after its last
          // sequence number, e.g. to the socket it was abandoning), then RESUMED.
          for (const payload of this.recentDispatches) {
            if (payload.s > Number(msg.d?.seq ?? 0) && this.targetShard(payload.d, shard[1]) === shard[0])
              this.send(ws, payload);
          }
          this.send(ws, { op: 0, t: 'RESUMED', s: ++this.seq, d: {} });
          this.emit('ready');
          break;
        }
        default:
          break;
      }
    });
  }

  /** A valid IDENTIFY shard pair ([0, 1] when absent), or null (Discord closes with 4010). */
  private shardPair(value: unknown): ShardPair | null {
    if (value === undefined || value === null) return [0, 1];
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [id, count] = value as unknown[];
    if (!Number.isInteger(id) || !Number.isInteger(count)) return null;
    if ((count as number) < 1 || (id as number) < 0 || (id as number) >= (count as number)) return null;
    return [id as number, count as number];
  }

  /** The shard a dispatch belongs to: its guild's, or 0 for anything without a guild (DMs). */
  private targetShard(d: unknown, shardCount: number): number {
    const guildId = (d as { guild_id?: unknown } | null)?.guild_id;
    return typeof guildId === 'string' ? shardOf(guildId, shardCount) : 0;
  }

  private sendReady(ws: WebSocket, shard: ShardPair): void {
    const sessionId = `session-${Math.random().toString(36).slice(2)}`;
    this.shardOfSession.set(sessionId, shard);
    const guilds = this.guildsOf(shard);
    this.send(ws, {
      op: 0,
      t: 'READY',
      s: ++this.seq,
      d: {
        v: 10,
        user: { ...this.userObject(this.botUser), verified: true, mfa_enabled: false, flags: 0 },
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        session_id: sessionId,
        resume_gateway_url: this.gatewayUrl,
        shard,
        application: { id: this.applicationId, flags: 0 },
        private_channels: [],
        relationships: [],
        user_settings: {},
      },
    });
    for (const guild of guilds) {
      this.send(ws, { op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guildCreatePayload(guild) });
    }
    this.emit('ready');
  }

  private guildCreatePayload(guild: EmuGuild): any {
    const now = new Date().toISOString();
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: snowflake(),
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      features: [],
      emojis: [],
      stickers: [],
      roles: [
        {
          id: guild.id,
          name: '@everyone',
          permissions: MEMBER_PERMISSIONS,
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        },
        ...(guild.roles ?? []).map((r, i) => ({
          id: r.id,
          name: r.name,
          permissions: r.permissions ?? MEMBER_PERMISSIONS,
          position: i + 1,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        })),
      ],
      channels: guild.channels.map((c, i) => ({
        id: c.id,
        type: c.type ?? 0,
        name: c.name,
        guild_id: guild.id,
        position: i,
        permission_overwrites: [],
        parent_id: null,
        topic: null,
        nsfw: false,
        last_message_id: null,
        rate_limit_per_user: 0,
      })),
      threads: [],
      members: [{ user: this.userObject(this.botUser), roles: [], joined_at: now, deaf: false, mute: false, flags: 0 }],
      member_count: 2,
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      large: false,
      unavailable: false,
      joined_at: now,
    };
  }

  /**
   * Sends a gateway dispatch to the connections of the shard it belongs to (every connection of a
   * single-shard bot); returns the shard ids it was sent to.
   */
  dispatch(t: string, d: unknown): number[] {
    const payload = { op: 0 as const, t, s: ++this.seq, d };
    this.recentDispatches.push(payload);
    if (this.recentDispatches.length > 1000) this.recentDispatches.shift();
    const deliveredTo: number[] = [];
    for (const [ws, [id, count]] of this.shardOfSocket) {
      if (ws.readyState !== ws.OPEN || this.targetShard(d, count) !== id) continue;
      this.send(ws, payload);
      deliveredTo.push(id);
    }
    return deliveredTo;
  }

  /** Closes the gateway connections (e.g. to test reconnects). */
  dropGateway(code = 4000): void {
    for (const ws of this.sockets) ws.close(code, 'emulator closed the connection');
  }

  // ---------------------------------------------------------------- REST

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  }

  private parseBody(req: IncomingMessage, raw: Buffer): any {
    if (raw.length === 0) return null;
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      // discord.js sends payload_json plus files; keep the JSON part.
      const text = raw.toString('utf8');
      const m = /name="payload_json"\r\n(?:Content-Type: [^\r\n]*\r\n)?\r\n([\s\S]*?)\r\n--/.exec(text);
      return m ? JSON.parse(m[1]!) : { multipart: true };
    }
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return raw.toString('utf8');
    }
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = req.method ?? 'GET';
    const path = url.pathname;

    const attachment = /^\/attachments\/(\d+)\/[^/]+$/.exec(path);
    if (attachment && method === 'GET') {
      const file = this.attachments.get(attachment[1]!);
      if (!file) return this.json(res, 404, { message: 'Unknown attachment', code: 10000 });
      res.statusCode = 200;
      res.setHeader('content-type', file.contentType);
      res.setHeader('content-length', String(file.bytes.length));
      res.end(file.bytes);
      return;
    }

    const m = /^\/api\/v10(\/.*)$/.exec(path);
    if (!m) return this.json(res, 404, { message: '404: Not Found', code: 0 });
    const route = m[1]!;
    const raw = await this.readBody(req);
    const body = this.parseBody(req, raw);
    const record: RecordedRequest = { method, path: route, query: url.searchParams, body, at: Date.now() };
    this.requests.push(record);
    this.emit('request', record);

    const isInteractionRoute = route.startsWith('/interactions/') || route.startsWith('/webhooks/');
    if (!isInteractionRoute && this.expectedToken && req.headers.authorization !== `Bot ${this.expectedToken}`) {
      return this.json(res, 401, { message: '401: Unauthorized', code: 0 });
    }

    let r: RegExpExecArray | null;
    if (method === 'GET' && route === '/gateway/bot') {
      return this.json(res, 200, {
        url: this.gatewayUrl,
        shards: this.shardCount,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14400000, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && route === '/gateway') return this.json(res, 200, { url: this.gatewayUrl });
    if (method === 'GET' && route === '/users/@me') return this.json(res, 200, this.userObject(this.botUser));
    if (method === 'GET' && (route === '/applications/@me' || route === '/oauth2/applications/@me')) {
      return this.json(res, 200, {
        id: this.applicationId,
        name: 'citebot',
        icon: null,
        description: '',
        bot_public: true,
        bot_require_code_grant: false,
        flags: 0,
        owner: this.userObject({ id: snowflake(), username: 'owner' }),
        team: null,
      });
    }
    if ((r = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route))) {
      const scope = r[2] ?? 'global';
      if (method === 'PUT') {
        const list = (Array.isArray(body) ? body : []).map((c: any) => ({
          ...c,
          id: snowflake(),
          application_id: r![1],
          version: snowflake(),
          ...(r![2] ? { guild_id: r![2] } : {}),
        }));
        this.commands.push({ scope, body: list, at: Date.now() });
        this.emit('commands', scope, list);
        return this.json(res, 200, list);
      }
      if (method === 'GET') {
        const last = [...this.commands].reverse().find((c) => c.scope === scope);
        return this.json(res, 200, last?.body ?? []);
      }
    }
    if ((r = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route)) && method === 'POST') {
      const cb: InteractionCallback = {
        interactionId: r[1]!,
        token: r[2]!,
        type: body?.type,
        data: body?.data ?? null,
        at: record.at,
      };
      const already = this.callbacks.find((c) => c.interactionId === cb.interactionId);
      if (already) {
        return this.json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      }
      this.callbacks.push(cb);
      this.emit('callback', cb);
      if (url.searchParams.get('with_response') === 'true') {
        const sent = this.sent.find((s) => s.id === cb.interactionId);
        return this.json(res, 200, {
          interaction: {
            id: cb.interactionId,
            type: sent?.payload.type ?? 2,
            activity_instance_id: null,
            response_message_id: null,
            response_message_loading: cb.type === 5,
            response_message_ephemeral: Boolean((cb.data?.flags ?? 0) & 64),
          },
          resource: {
            type: cb.type,
            message:
              cb.type === 4 || cb.type === 7
                ? this.messageObject(sent?.payload.channel_id ?? '0', cb.data ?? {})
                : undefined,
          },
        });
      }
      res.statusCode = 204;
      res.end();
      return;
    }
    if ((r = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/.exec(route))) {
      const token = r[2]!;
      const messageId = decodeURIComponent(r[3]!);
      const sent = this.sent.find((s) => s.token === token);
      const channelId = sent?.payload.channel_id ?? '0';
      if (method === 'PATCH') {
        const wm: WebhookMessage = { token, messageId, data: body, at: record.at, kind: 'edit' };
        this.webhookMessages.push(wm);
        this.emit('webhook', wm);
        return this.json(
          res,
          200,
          this.messageObject(channelId, body ?? {}, messageId === '@original' ? undefined : messageId, sent),
        );
      }
      if (method === 'DELETE') {
        const wm: WebhookMessage = { token, messageId, data: null, at: record.at, kind: 'delete' };
        this.webhookMessages.push(wm);
        this.emit('webhook', wm);
        res.statusCode = 204;
        res.end();
        return;
      }
      if (method === 'GET') return this.json(res, 200, this.messageObject(channelId, {}, undefined, sent));
    }
    if ((r = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(route)) && method === 'POST') {
      const token = r[2]!;
      const sent = this.sent.find((s) => s.token === token);
      const msg = this.messageObject(sent?.payload.channel_id ?? '0', body ?? {}, undefined, sent);
      const wm: WebhookMessage = { token, messageId: msg.id, data: body, at: record.at, kind: 'followup' };
      this.webhookMessages.push(wm);
      this.emit('webhook', wm);
      return this.json(res, 200, msg);
    }
    if ((r = /^\/channels\/(\d+)\/typing$/.exec(route)) && method === 'POST') {
      res.statusCode = 204;
      res.end();
      return;
    }
    if ((r = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(route)) && method === 'POST') {
      const parentId = r[1]!;
      const guild = this.guilds.find((g) => g.channels.some((c) => c.id === parentId));
      const id = r[2]!; // Discord gives the thread the id of its starter message
      this.threads.push({ id, parentId, messageId: r[2]!, name: body?.name ?? '', at: record.at });
      this.emit('thread', id);
      return this.json(res, 201, {
        id,
        type: 11,
        guild_id: guild?.id,
        parent_id: parentId,
        name: body?.name ?? 'thread',
        owner_id: this.botUser.id,
        last_message_id: null,
        rate_limit_per_user: 0,
        message_count: 0,
        member_count: 1,
        flags: 0,
        total_message_sent: 0,
        thread_metadata: {
          archived: false,
          auto_archive_duration: body?.auto_archive_duration ?? 1440,
          archive_timestamp: new Date().toISOString(),
          locked: false,
        },
      });
    }
    if ((r = /^\/channels\/(\d+)\/messages$/.exec(route)) && method === 'POST') {
      const channelId = r[1]!;
      const msg = this.messageObject(channelId, body ?? {});
      const cm: ChannelMessage = { id: msg.id, channelId, data: body, at: record.at };
      this.channelMessages.push(cm);
      this.emit('message', cm);
      return this.json(res, 200, msg);
    }
    return this.json(res, 404, { message: `404: emulator has no route ${method} ${route}`, code: 0 });
  }

  userObject(u: EmuUser): any {
    return {
      id: u.id,
      username: u.username,
      discriminator: '0',
      global_name: u.bot ? null : u.username,
      avatar: null,
      bot: u.bot ?? false,
      system: false,
      public_flags: 0,
    };
  }

  private messageObject(channelId: string, data: any, id?: string, sent?: SentInteraction): any {
    return {
      id: id ?? snowflake(),
      channel_id: channelId,
      guild_id: sent?.payload.guild_id,
      author: this.userObject(this.botUser),
      content: data.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: data.embeds ?? [],
      components: data.components ?? [],
      pinned: false,
      type: sent ? 20 : 0,
      flags: data.flags ?? 0,
      webhook_id: sent ? this.applicationId : undefined,
      application_id: sent ? this.applicationId : undefined,
      message_reference: data.message_reference,
    };
  }

  // ---------------------------------------------------------------- attachments

  /** Serves `bytes` at a URL of the emulator and returns the attachment object for `resolved.attachments`. */
  addAttachment(
    filename: string,
    content: string | Uint8Array,
    contentType = 'text/plain; charset=utf-8',
    sizeOverride?: number,
  ): any {
    const id = snowflake();
    const bytes = Buffer.from(content);
    this.attachments.set(id, { bytes, contentType });
    const url = `${this.baseUrl}/attachments/${id}/${encodeURIComponent(filename)}`;
    return {
      id,
      filename,
      size: sizeOverride ?? bytes.length,
      url,
      proxy_url: url,
      content_type: contentType,
      ephemeral: true,
    };
  }

  // ---------------------------------------------------------------- interactions

  private baseInteraction(type: number, o: InteractionContext): any {
    const user = this.userObject(o.user ?? { id: '100000000000000001', username: 'reader' });
    const id = snowflake();
    const token = randomToken();
    const base: any = {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      locale: 'en-US',
      entitlements: [],
      app_permissions: (
        BigInt(MEMBER_PERMISSIONS) |
        PERMISSIONS.SendMessagesInThreads |
        PERMISSIONS.CreatePublicThreads
      ).toString(),
      attachment_size_limit: 10485760,
    };
    if (o.guildId) {
      const guild = this.guilds.find((g) => g.id === o.guildId);
      const channel = guild?.channels.find((c) => c.id === o.channelId) ?? guild?.channels[0];
      const channelId = o.channelId ?? channel?.id ?? snowflake();
      Object.assign(base, {
        guild_id: o.guildId,
        guild: { id: o.guildId, locale: 'en-US', features: [] },
        guild_locale: 'en-US',
        channel_id: channelId,
        channel: {
          id: channelId,
          type: 0,
          name: channel?.name ?? 'general',
          guild_id: o.guildId,
          permissions: MEMBER_PERMISSIONS,
          flags: 0,
          nsfw: false,
          parent_id: null,
          position: 0,
          rate_limit_per_user: 0,
          last_message_id: null,
          topic: null,
        },
        member: {
          user,
          roles: o.roles ?? [],
          permissions: o.permissions ?? MEMBER_PERMISSIONS,
          joined_at: new Date().toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
          pending: false,
          nick: null,
          avatar: null,
          premium_since: null,
          communication_disabled_until: null,
        },
        authorizing_integration_owners: { '0': o.guildId },
        context: 0,
      });
    } else {
      const channelId = o.channelId ?? snowflake();
      Object.assign(base, {
        channel_id: channelId,
        channel: { id: channelId, type: 1, recipients: [user], flags: 0, last_message_id: null },
        user,
        authorizing_integration_owners: { '1': user.id },
        context: 1,
      });
    }
    return base;
  }

  chatInput(o: InteractionContext & { name: string; options?: any[]; resolved?: any }): any {
    const p = this.baseInteraction(2, o);
    p.data = {
      id: snowflake(),
      name: o.name,
      type: 1,
      options: o.options ?? [],
      ...(o.resolved ? { resolved: o.resolved } : {}),
      ...(o.guildId ? { guild_id: undefined } : {}),
    };
    return p;
  }

  autocomplete(o: InteractionContext & { name: string; options: any[] }): any {
    const p = this.baseInteraction(4, o);
    p.data = { id: snowflake(), name: o.name, type: 1, options: o.options };
    return p;
  }

  button(o: InteractionContext & { customId: string; message?: any }): any {
    const p = this.baseInteraction(3, o);
    p.data = { custom_id: o.customId, component_type: 2 };
    p.message = o.message ?? this.messageObject(p.channel_id, { content: '' });
    p.message.channel_id = p.channel_id;
    return p;
  }

  messageContext(o: InteractionContext & { name: string; targetContent: string; targetAuthor?: EmuUser }): any {
    const p = this.baseInteraction(2, o);
    const targetId = snowflake();
    const target = this.messageObject(p.channel_id, { content: o.targetContent });
    target.id = targetId;
    target.author = this.userObject(o.targetAuthor ?? { id: '100000000000000009', username: 'writer' });
    target.type = 0;
    delete target.webhook_id;
    delete target.application_id;
    p.data = {
      id: snowflake(),
      name: o.name,
      type: 3,
      target_id: targetId,
      resolved: { messages: { [targetId]: target } },
    };
    return p;
  }

  /** Dispatches INTERACTION_CREATE and returns its id and token. */
  sendInteraction(payload: any): SentInteraction {
    const sent: SentInteraction = {
      id: payload.id,
      token: payload.token,
      payload,
      dispatchedAt: Date.now(),
      deliveredTo: [],
    };
    this.sent.push(sent);
    sent.deliveredTo = this.dispatch('INTERACTION_CREATE', payload);
    return sent;
  }

  /** Dispatches MESSAGE_CREATE of a user's message; `mentionBot` adds the bot to `mentions` and `<@id>` to content. */
  sendMessage(o: { guildId: string; channelId: string; content: string; author?: EmuUser; mentionBot?: boolean }): any {
    const author = this.userObject(o.author ?? { id: '100000000000000001', username: 'reader' });
    const content = o.mentionBot ? `<@${this.botUser.id}> ${o.content}` : o.content;
    const msg = {
      id: snowflake(),
      channel_id: o.channelId,
      guild_id: o.guildId,
      author,
      member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: o.mentionBot
        ? [{ ...this.userObject(this.botUser), member: { roles: [], joined_at: new Date().toISOString() } }]
        : [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
    };
    this.dispatch('MESSAGE_CREATE', msg);
    return msg;
  }

  // ---------------------------------------------------------------- waiting

  /** Resolves with the first truthy value of `check()`, re-evaluated on every recorded event. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 10000, what = 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = check();
      if (first) return resolve(first);
      const events = ['callback', 'webhook', 'message', 'request', 'heartbeat', 'thread', 'commands', 'ready'];
      const onEvent = (): void => {
        const v = check();
        if (v) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`discord-emulator: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        for (const e of events) this.off(e, onEvent);
      };
      for (const e of events) this.on(e, onEvent);
    });
  }

  callbackFor(interactionId: string): InteractionCallback | undefined {
    return this.callbacks.find((c) => c.interactionId === interactionId);
  }

  /** The reply the user ends up seeing for an interaction (waits for the edit when deferred). */
  async reply(sent: SentInteraction, timeoutMs = 15000): Promise<InteractionReply> {
    const callback = await this.waitFor(
      () => this.callbackFor(sent.id),
      timeoutMs,
      `callback of interaction ${sent.id}`,
    );
    const deferLatencyMs = callback.at - sent.dispatchedAt;
    if (callback.type === 4 || callback.type === 7 || callback.type === 8) {
      return {
        callback,
        message: callback.data,
        ephemeral: Boolean((callback.data?.flags ?? 0) & 64),
        deferLatencyMs,
        kind: 'immediate',
      };
    }
    const wm = await this.waitFor(
      () =>
        this.webhookMessages.find(
          (w) =>
            w.token === sent.token && (w.kind === 'followup' || (w.kind === 'edit' && w.messageId === '@original')),
        ),
      timeoutMs,
      `reply to interaction ${sent.id}`,
    );
    if (wm.kind === 'followup') {
      return {
        callback,
        message: wm.data,
        ephemeral: Boolean((wm.data?.flags ?? 0) & 64),
        deferLatencyMs,
        kind: 'followup',
      };
    }
    return {
      callback,
      message: wm.data,
      ephemeral: Boolean((callback.data?.flags ?? 0) & 64),
      deferLatencyMs,
      kind: 'edit',
    };
  }

  /** Messages the bot posted in a channel (mention mode replies, thread messages). */
  messagesIn(channelId: string): ChannelMessage[] {
    return this.channelMessages.filter((m) => m.channelId === channelId);
  }
}

export interface InteractionContext {
  guildId?: string;
  channelId?: string;
  user?: EmuUser;
  /** Member permission bit set (decimal string). */
  permissions?: string;
  roles?: string[];
}
