/**
 * /feed through the Discord emulator with the scheduler running, against a feed server on
 * 127.0.0.1: a moderator follows a feed, the scheduler indexes it, /ask answers from it, the
 * announcement carries title and link without mentions; a member is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InteractionReply } from '../helpers/discord-emulator.ts';
import { embedText, opt, startHarness, type Harness } from '../helpers/bot-harness.ts';
import { fullText, rss, startFeedServer, type FeedServer } from '../helpers/feed-server.ts';

describe('/feed through the Discord emulator', () => {
  let h: Harness;
  let server: FeedServer;
  const reply = (payload: any, timeoutMs?: number): Promise<InteractionReply> =>
    h.emu.reply(h.emu.sendInteraction(payload), timeoutMs);
  const sub = (name: string, options: any[] = []) => [{ name, type: 1, options }];

  before(async () => {
    server = await startFeedServer();
    server.routes.set('/robots.txt', { type: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    server.routes.set('/down.xml', { status: 503, body: 'maintenance' });
    server.routes.set('/intranet/wire.xml', { status: 503, body: 'maintenance' });
    server.routes.set('/harbour.xml', {
      body: rss('Harbour Gazette @everyone', [
        {
          title: 'Pilot boat @everyone named after <@&1> keeper',
          link: `${server.base}/news/pilot`,
          guid: 'pilot-1',
          pubDate: 'Fri, 10 May 2024 09:00:00 GMT',
          author: 'desk@gazette.example (Tom Penrose)',
          content: fullText(
            'pilot boat',
            'The new pilot boat was named Morwenna after the harbour keeper who served for 38 years.',
          ),
        },
      ]),
    });
    h = await startHarness({ examples: false, allowPrivateHosts: ['127.0.0.1'], feeds: { checkEveryMs: 200 } });
  });
  after(async () => {
    await h.close();
    await server.close();
  });

  it('GIVEN a member THEN /feed is refused; GIVEN a moderator THEN the feed is followed, indexed by the scheduler, announced without mentions, and /ask answers from it', async () => {
    const refused = await reply(
      h.emu.chatInput({
        ...h.member(h.guildA),
        name: 'feed',
        options: sub('add', [opt('url', `${server.base}/harbour.xml`)]),
      }),
    );
    assert.equal(refused.ephemeral, true);
    assert.match(refused.message.content, /^Only moderators can manage feeds/);
    assert.equal((await h.ctx.feeds!.store.listFeeds()).length, 0);

    const channel = h.guildA.channels[0]!;
    const added = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'feed',
        options: sub('add', [
          opt('url', `${server.base}/harbour.xml`),
          opt('every', '15m'),
          opt('announce-channel', channel.id, 7),
        ]),
        resolved: { channels: { [channel.id]: { id: channel.id, name: channel.name, type: 0, permissions: '0' } } },
      }),
    );
    assert.equal(added.ephemeral, true);
    assert.match(
      added.message.content,
      /^Following feed \d+: http:\/\/127\.0\.0\.1:\d+\/harbour\.xml\nChecked every 15m/,
    );

    // The scheduler polls the new feed by itself and announces the article.
    const announced = await h.emu.waitFor(
      () => h.emu.messagesIn(channel.id).find((m) => /Pilot boat/.test(m.data?.content ?? '')),
      60_000,
      'the announcement',
    );
    assert.equal(
      announced.data.content,
      `**Pilot boat @everyone named after <@&1> keeper** <${server.base}/news/pilot>`,
    );
    assert.deepEqual(announced.data.allowed_mentions, { parse: [] });

    const answer = await reply(
      h.emu.chatInput({
        ...h.member(h.guildA),
        name: 'ask',
        options: [opt('question', 'what was the new pilot boat named?')],
      }),
      30_000,
    );
    assert.match(embedText(answer.message), /named Morwenna/);
    assert.match(embedText(answer.message), / · by Tom Penrose · Harbour Gazette @everyone · 2024-05-10 · ¶1/);

    const list = await reply(h.emu.chatInput({ ...h.mod(h.guildA), name: 'feed', options: sub('list') }));
    assert.match(embedText(list.message), /Harbour Gazette @everyone · every 15m · 1 article\(s\)/);
    assert.match(embedText(list.message), /ok, last read/);

    const stats = await reply(h.emu.chatInput({ ...h.mod(h.guildA), name: 'stats' }));
    assert.match(embedText(stats.message), /Feeds\n\d+ · Harbour Gazette @everyone · 1 article · ok, last read/);

    // A failing feed of this server's and one of the shared library's, for the health views below.
    const down = await h.ctx.feeds!.add(`${server.base}/down.xml`, { collection: h.guildA.id });
    const intranet = await h.ctx.feeds!.add(`${server.base}/intranet/wire.xml`, { collection: 'library' });
    await h.ctx.feeds!.pollNow([down, intranet]);

    const sources = await reply(h.emu.chatInput({ ...h.member(h.guildA), name: 'sources' }));
    const listed = embedText(sources.message);
    assert.match(
      listed,
      /Pilot boat .* — by Tom Penrose · Harbour Gazette @everyone · 2024-05-10 · 3 passages · via feed \d+ Harbour Gazette @everyone · added in this server/,
    );
    assert.match(listed, /Feeds\n\d+ · Harbour Gazette @everyone · 1 article · ok, last read .* UTC/);
    assert.match(listed, /\d+ · 127\.0\.0\.1 · 0 articles · failing since .* UTC, never read/);
    assert.match(listed, /\d+ · 127\.0\.0\.1 \(shared library\) · 0 articles · failing since/);
    assert.doesNotMatch(listed, /answered 503|intranet/, 'members see no error text');

    const health = embedText((await reply(h.emu.chatInput({ ...h.mod(h.guildA), name: 'stats' }))).message);
    assert.match(health, /\d+ · 127\.0\.0\.1 · 0 articles · failing ×\d+ since .* UTC: .*answered 503.*; never read/);
    assert.match(health, /\(shared library\) · 0 articles · failing since/);
    assert.doesNotMatch(health, /intranet/, "the operator's feed errors stay with the operator");

    const otherGuild = await reply(
      h.emu.chatInput({
        ...h.member(h.guildB),
        name: 'ask',
        options: [opt('question', 'what was the new pilot boat named?')],
      }),
      30_000,
    );
    assert.doesNotMatch(embedText(otherGuild.message), /Morwenna/, "a server's feed fills only its own collection");

    const removed = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'feed',
        options: sub('remove', [opt('feed', `${server.base}/harbour.xml`)]),
      }),
    );
    assert.match(removed.message.content, /^No longer following feed \d+ .*its 1 article\(s\) stay/);
  });
});
