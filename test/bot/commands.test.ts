/**
 * Every command driven through the Discord emulator with the real discord.js client and a real
 * test engine (SQLite + hnswlib + Transformers.js on the tiny model; examples in 'library').
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answer, ASK_CONCURRENCY } from '../../src/bot/ask-service.ts';
import { parseRate } from '../../src/bot/config.ts';
import { AskLimiter } from '../../src/bot/rate-limit.ts';
import { fetchUrl } from '../../src/ingest/fetch-url.ts';
import type { AskResult, Engine } from '../../src/engine-api.ts';
import {
  MODERATOR_PERMISSIONS,
  type EmuGuild,
  type InteractionContext,
  type InteractionReply,
} from '../helpers/discord-emulator.ts';
import { embedText, opt, startHarness, type Harness } from '../helpers/bot-harness.ts';
import { column, makePdf } from '../helpers/documents.ts';

const ORCHIDS = `Glasshouse orchid festival draws record crowds

The Glasshouse orchid festival in Vellmoor drew 12,480 visitors over three days, the organisers said on Sunday, a record for the event.

Growers showed 316 orchid varieties, including a rare slipper orchid that had not flowered in the region for twenty years, the head judge said.`;

const BRIDGE_MD = `# Quarry lake reopens to swimmers

The quarry lake at Dunholt reopened to swimmers on Saturday after lifeguards returned, the parish council said, ending a closure of nineteen months.

The council said 2,150 swimmers used the lake on the first weekend, and the water quality tests showed no bacteria above safe limits.`;

describe('bot commands through the Discord emulator', () => {
  let h: Harness;
  const reply = (payload: any): Promise<InteractionReply> => h.emu.reply(h.emu.sendInteraction(payload));
  const ask = (ctx: InteractionContext, question: string, extra: any[] = []): Promise<InteractionReply> =>
    reply(h.emu.chatInput({ ...ctx, name: 'ask', options: [opt('question', question), ...extra] }));
  const ingestText = (guild: EmuGuild, text: string, who?: InteractionContext): Promise<InteractionReply> =>
    reply(h.emu.chatInput({ ...(who ?? h.mod(guild)), name: 'ingest', options: [opt('text', text)] }));

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('logs in through the emulator: gateway from /gateway/bot, READY, guilds', () => {
    assert.ok(h.emu.requests.some((r) => r.path === '/gateway/bot'));
    assert.equal(h.emu.identifies.length, 1);
    assert.equal(h.bot.client.guilds.cache.size, 2);
    // Guilds only (mention mode is on in the harness: + GuildMessages); no privileged intents.
    assert.equal(h.emu.identifies[0].intents, 1 | (1 << 9));
  });

  it('/ask answers from the example articles, with the citation', async () => {
    const r = await ask(h.member(h.guildA), 'how many were detained as of January 10?');
    assert.equal(r.callback.type, 5, 'deferred before any work');
    assert.equal(r.ephemeral, false);
    assert.equal(r.kind, 'edit');
    const e = r.message.embeds[0];
    assert.equal(e.title, 'how many were detained as of January 10?');
    const all = embedText(r.message);
    // (The standfirst's "nearly 8,000" answers the date-less question as well.) The 7,939 paragraph first, its answering sentence in bold, the extracted answer before it, then the citation.
    assert.equal(
      e.description,
      '**7,939**\n\n**"As of January 10, 7,939 people have been detained," the interior ministry said in a statement noting that several branches of the security services had been involved in the detentions.**\n\n' +
        "— **President Tokayev: Kazakhstan unrest was attempted coup d'etat** · TRT World and agencies · 2022-01-10 · ¶9",
    );
    assert.match(all, /TRT World and agencies · 2022-01-10 · ¶\d+/);
    assert.match(e.footer.text, /^Searched \d+ articles in [\d,]+ ms$/);
    const ids = r.message.components[0].components.map((c: any) => c.custom_id ?? c.url);
    assert.ok(
      ids.some((id: string) => /^ask:vote:\d+:up$/.test(id)),
      ids.join(),
    );
    assert.ok(
      ids.some((id: string) => /^ask:vote:\d+:down$/.test(id)),
      ids.join(),
    );
  });

  it('Context shows the cited paragraph between its neighbours, privately; an article removed since gets a clear line', async () => {
    const r = await ask(h.member(h.guildA), 'how many were detained as of January 10?');
    const context = r.message.components[0].components.find((c: any) => String(c.custom_id).startsWith('ask:context:'));
    assert.equal(context.custom_id, 'ask:context:9:000_8e2903e39626057e');
    const shown = await reply(h.emu.button({ ...h.member(h.guildA), customId: context.custom_id }));
    assert.equal(shown.callback.type, 4);
    assert.equal(shown.ephemeral, true);
    const e = shown.message.embeds[0];
    assert.equal(e.title, "President Tokayev: Kazakhstan unrest was attempted coup d'etat");
    assert.match(
      e.description,
      /^¶8 Nearly 8,000 people have been detained[^]*\n\n¶9 \*\*"As of January 10, 7,939 people have been detained,"[^]*\*\*\n\n¶10 /,
    );
    assert.equal(e.footer.text, 'Paragraphs 8–10 of 13 · TRT World and agencies · 2022-01-10');
    const gone = await reply(h.emu.button({ ...h.member(h.guildA), customId: 'ask:context:2:no-such-article' }));
    assert.match(gone.message.content, /That article is no longer in the collection/);
  });

  it('/ask private:true defers ephemerally; count limits the fields', async () => {
    const r = await ask(h.member(h.guildA), 'how many vehicles cross the harbour bridge?', [
      opt('private', true, 5),
      opt('count', 1, 4),
    ]);
    assert.equal(r.callback.type, 5);
    assert.equal(r.callback.data.flags, 64);
    assert.equal(r.message.embeds[0].fields.length, 1);
    assert.ok(r.message.components[0].components.some((c: any) => String(c.custom_id).endsWith(':2:1')));
  });

  it('/ask with nothing to support an answer says so and suggests /sources', async () => {
    const r = await ask(h.member(h.guildA), 'who won the 1998 world cup final?');
    assert.match(
      r.message.embeds[0].description,
      /^I couldn't find anything in the articles I can search that answers this question\.\nTry `\/sources`/,
    );
    assert.deepEqual(r.message.components, []);
  });

  it('/ask since/until/source keeps to those articles, says so in the footer, and More passages keeps them; sources autocomplete; a bad date is refused before deferring', async () => {
    const first = await ask(h.member(h.guildA), 'how many commuters did the bus and tram drivers strike strand?', [
      opt('source', 'metro'),
      opt('since', '2021-09'),
      opt('count', 1, 4),
    ]);
    assert.equal(first.callback.type, 5);
    const text = embedText(first.message);
    assert.match(
      first.message.embeds[0].footer.text,
      /^Searched 2 articles dated 2021-09-01 or later, from a source matching "metro" in [\d,]+ ms$/,
    );
    const cited = (message: any) =>
      [...embedText(message).matchAll(/ · (Metro Courier|[A-Z][\w ]+(?:and agencies)?) · \d{4}-\d\d-\d\d · ¶/g)].map(
        (m) => m[1],
      );
    assert.ok(cited(first.message).length > 0 && cited(first.message).every((s) => s === 'Metro Courier'), text);
    const more = first.message.components[0].components.find((b: any) => String(b.custom_id).startsWith('ask:more:'));
    const page = await reply(
      h.emu.button({
        ...h.member(h.guildA),
        customId: more.custom_id,
        message: { embeds: first.message.embeds, components: first.message.components },
      }),
    );
    assert.match(embedText(page.message), /from a source matching "metro"/);
    assert.ok(
      cited(page.message).every((s) => s === 'Metro Courier'),
      embedText(page.message),
    );

    const none = await ask(h.member(h.guildA), 'how many were detained?', [opt('source', 'Nobody Weekly')]);
    assert.match(
      none.message.embeds[0].description,
      /^No article I have is from a source matching "Nobody Weekly"\.\nWiden the dates or the source/,
    );

    const bad = await ask(h.member(h.guildA), 'how many were detained?', [opt('until', '2022-02-30')]);
    assert.equal(bad.callback.type, 4);
    assert.equal(bad.ephemeral, true);
    assert.match(bad.message.content, /until "2022-02-30" is not a date; write it as 2022-01-10, 2022-01 or 2022/);

    const ac = await reply(
      h.emu.autocomplete({
        ...h.member(h.guildA),
        name: 'ask',
        options: [opt('question', 'strike'), opt('source', 'co', 3, true)],
      }),
    );
    assert.deepEqual(ac.message.choices.slice(0, 2), [
      { name: 'Metro Courier (2)', value: 'Metro Courier' },
      { name: 'Coastal Herald and agencies (1)', value: 'Coastal Herald and agencies' },
    ]);
  });

  it('/ask in a DM searches the library only', async () => {
    const r = await ask({ user: { id: '300000000000000077', username: 'dm-reader' } }, 'how many were detained?');
    assert.match(embedText(r.message), /7,939 people have been detained/);
  });

  it('refuses /ingest, /forget, /stats and /questions to non-moderators, ephemerally, before deferring', async () => {
    for (const [name, options] of [
      ['ingest', [opt('text', ORCHIDS)]],
      ['forget', [opt('article', 'x')]],
      ['stats', []],
      ['questions', []],
    ] as const) {
      const r = await reply(h.emu.chatInput({ ...h.member(h.guildA), name, options: [...options] }));
      assert.equal(r.callback.type, 4, name);
      assert.equal(r.ephemeral, true, name);
      assert.match(
        r.message.content,
        /^Only moderators can .+: you need the Manage Server permission or a moderator role\.$/,
        name,
      );
    }
  });

  it('ingested articles stay in their guild: ingest into A, ask in B → not found', async () => {
    const r = await ingestText(h.guildA, ORCHIDS);
    assert.equal(r.ephemeral, true);
    assert.deepEqual(r.message.embeds[0], {
      title: 'Ingested 1 article',
      description: '**Glasshouse orchid festival draws record crowds** — 2 passages · new',
      color: 0x2f855a,
    });
    const inA = await ask(h.member(h.guildA), 'how many visitors came to the Glasshouse orchid festival?');
    assert.match(embedText(inA.message), /12,480 visitors/);
    assert.match(inA.message.embeds[0].description, /Glasshouse orchid festival draws record crowds/);
    const inB = await ask(h.member(h.guildB), 'how many visitors came to the Glasshouse orchid festival?');
    const bodyB = [
      inB.message.embeds[0].description,
      ...(inB.message.embeds[0].fields ?? []).flatMap((f: any) => [f.name, f.value]),
    ].join('\n');
    assert.doesNotMatch(bodyB, /orchid|12,480/i);
    // and re-ingesting is reported as unchanged
    const again = await ingestText(h.guildA, ORCHIDS);
    assert.match(again.message.embeds[0].description, /· unchanged$/);
  });

  it('SHARE_LIBRARY=false: a server sees only its own articles', async () => {
    const saved = h.ctx.config;
    h.ctx.config = { ...saved, shareLibrary: false };
    try {
      const r = await ask(h.member(h.guildB), 'how many were detained?');
      assert.ok(r.message.embeds?.length, JSON.stringify(r.message));
      assert.doesNotMatch(r.message.embeds[0].description, /7,939/);
      const list = await reply(h.emu.chatInput({ ...h.member(h.guildB), name: 'sources' }));
      assert.equal(list.message.embeds[0].description, 'No articles yet. A moderator can add some with `/ingest`.');
    } finally {
      h.ctx.config = saved;
    }
  });

  it('a role listed in MODERATOR_ROLE_IDS counts as moderator', async () => {
    const who: InteractionContext = { ...h.member(h.guildA, '300000000000000055'), roles: [h.guildA.roles![0]!.id] };
    const r = await reply(h.emu.chatInput({ ...who, name: 'stats' }));
    assert.equal(r.callback.type, 5);
    assert.equal(r.message.embeds[0].fields[0].name, 'Articles');
  });

  it('/ingest an attachment, /ask finds it, /forget (autocomplete) removes it, /ask no longer finds it', async () => {
    const att = h.emu.addAttachment('quarry-lake.md', BRIDGE_MD, 'text/markdown; charset=utf-8');
    const r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', att.id, 11)],
        resolved: { attachments: { [att.id]: att } },
      }),
    );
    assert.equal(r.callback.type, 5);
    assert.equal(r.message.embeds[0].description, '**Quarry lake reopens to swimmers** — 2 passages · new');

    const found = await ask(h.member(h.guildA), 'how many swimmers used the quarry lake?');
    assert.match(embedText(found.message), /2,150 swimmers/);

    const ac = await reply(
      h.emu.autocomplete({ ...h.mod(h.guildA), name: 'forget', options: [opt('article', 'quarry', 3, true)] }),
    );
    assert.equal(ac.callback.type, 8);
    const choice = ac.message.choices.find((c: any) => c.name === 'Quarry lake reopens to swimmers');
    assert.ok(choice, JSON.stringify(ac.message.choices));
    // library articles are never offered for /forget
    assert.ok(!ac.message.choices.some((c: any) => /Tokayev/.test(c.name)));

    const forgot = await reply(
      h.emu.chatInput({ ...h.mod(h.guildA), name: 'forget', options: [opt('article', choice.value)] }),
    );
    assert.equal(forgot.message.embeds[0].title, 'Article removed');
    assert.match(
      forgot.message.embeds[0].description,
      /^\*\*Quarry lake reopens to swimmers\*\* \(2 passages\) will no longer be used/,
    );

    const gone = await ask(h.member(h.guildA), 'how many swimmers used the quarry lake?');
    assert.doesNotMatch(embedText(gone.message), /2,150 swimmers|Quarry lake/);

    const again = await reply(
      h.emu.chatInput({ ...h.mod(h.guildA), name: 'forget', options: [opt('article', choice.value)] }),
    );
    assert.equal(again.ephemeral, true);
    assert.match(again.message.content, /^No article ".+" among the articles added in this server/);
  });

  it('/ingest a PDF attachment (read on the parse worker), /ask cites its page', async () => {
    const pdfBytes = await makePdf({
      title: 'Lighthouse keepers report',
      runningHeader: 'Coastal Trust - Annual Report',
      pageNumbers: true,
      pages: [
        {
          lines: column(72, 700, [
            'The trust restored two lighthouses this year',
            'and trained eleven volunteer keepers.',
          ]),
        },
        {
          lines: column(72, 700, [
            'The Skerry lighthouse lamp was relit on',
            'Midsummer night after 41 years of darkness.',
          ]),
        },
      ],
    });
    const att = h.emu.addAttachment('lighthouses.pdf', pdfBytes, 'application/pdf');
    // The parse worker loads PDF.js on its first PDF: seconds on a busy machine, so a longer wait.
    const sent = h.emu.sendInteraction(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', att.id, 11)],
        resolved: { attachments: { [att.id]: att } },
      }),
    );
    const r = await h.emu.reply(sent, 60_000);
    assert.equal(r.message.embeds[0].description, '**Lighthouse keepers report** — 2 passages · new');
    const found = await ask(h.member(h.guildA), 'when was the Skerry lighthouse lamp relit?');
    assert.match(embedText(found.message), /Midsummer night after 41 years/);
    assert.match(embedText(found.message), /p\. 2 ¶1/);
  });

  it('/ingest errors are clear: oversize, binary, unsupported, unreachable and refused URLs, no input', async () => {
    const big = h.emu.addAttachment('huge.txt', 'small really', 'text/plain', 3 * 1024 * 1024);
    let r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', big.id, 11)],
        resolved: { attachments: { [big.id]: big } },
      }),
    );
    assert.equal(r.callback.type, 4);
    assert.equal(r.message.content, 'huge.txt is 3.0 MB; the limit is 2.0 MB.');

    const png = h.emu.addAttachment(
      'photo.txt',
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]),
      'text/plain',
    );
    r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', png.id, 11)],
        resolved: { attachments: { [png.id]: png } },
      }),
    );
    assert.equal(r.ephemeral, true);
    assert.match(r.message.content, /photo\.txt .*PNG image/);

    const odt = h.emu.addAttachment('report.odt', 'PK', 'application/vnd.oasis.opendocument.text');
    r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', odt.id, 11)],
        resolved: { attachments: { [odt.id]: odt } },
      }),
    );
    assert.equal(
      r.message.content,
      'report.odt is not a file type I can read; attach a .txt, .md, .html, .json, .ndjson, .pdf or .docx file.',
    );

    const fakePdf = h.emu.addAttachment('report.pdf', '%PDF-1.4', 'application/pdf');
    r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', fakePdf.id, 11)],
        resolved: { attachments: { [fakePdf.id]: fakePdf } },
      }),
    );
    assert.match(r.message.content, /^report\.pdf is not a readable PDF \(.+\); check that the file is complete/);

    // An attachment URL that isn't Discord's (or the configured API's) is never fetched.
    const before = await h.ctx.engine.countArticles(h.guildA.id);
    const foreign = {
      ...h.emu.addAttachment('story.txt', ORCHIDS, 'text/plain'),
      url: 'http://169.254.169.254/latest/story.txt',
    };
    r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('file', foreign.id, 11)],
        resolved: { attachments: { [foreign.id]: foreign } },
      }),
    );
    assert.equal(r.ephemeral, true);
    assert.equal(
      r.message.content,
      'attachments are only downloaded from Discord (cdn.discordapp.com, media.discordapp.net), not from 169.254.169.254',
    );
    assert.equal(await h.ctx.engine.countArticles(h.guildA.id), before);

    r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('url', 'http://no-such-host.invalid/story')],
      }),
    );
    assert.equal(r.ephemeral, true);
    assert.equal(
      r.message.content,
      "couldn't reach http://no-such-host.invalid/story: the host name no-such-host.invalid doesn't resolve",
    );

    r = await reply(
      h.emu.chatInput({
        ...h.mod(h.guildA),
        name: 'ingest',
        options: [opt('url', `${h.emu.baseUrl}/attachments/1/x.txt`)],
      }),
    );
    assert.match(
      r.message.content,
      /^refused to fetch http:\/\/127\.0\.0\.1:\d+\/attachments\/1\/x\.txt: it points to a loopback address \(127\.0\.0\.1\), and citebot only fetches public web pages$/,
    );

    r = await reply(h.emu.chatInput({ ...h.mod(h.guildA), name: 'ingest', options: [] }));
    assert.equal(r.message.content, 'Give exactly one of `url`, `file` or `text`.');

    r = await ingestText(h.guildA, 'Just a title');
    assert.equal(r.ephemeral, true);
    assert.match(r.message.content, /pasted text/);
  });

  it('rate limits per user with a Discord relative timestamp', async () => {
    const saved = h.ctx.limits;
    h.ctx.limits = { ...saved, ask: new AskLimiter(parseRate('2/min')!, parseRate('100/min')!) };
    try {
      const who = h.member(h.guildB, '300000000000000099');
      await ask(who, 'how many were detained?');
      await ask(who, 'how many were detained?');
      const limited = await ask(who, 'how many were detained?');
      assert.equal(limited.callback.type, 4);
      assert.equal(limited.ephemeral, true);
      assert.match(
        limited.message.content,
        /^You're asking questions faster than I can answer them\. You can ask again <t:\d+:R>\.$/,
      );
      const at = Number(/<t:(\d+):R>/.exec(limited.message.content)![1]);
      assert.ok(at * 1000 > Date.now() + 20_000 && at * 1000 <= Date.now() + 31_000);
      // another user is not affected
      const other = await ask(h.member(h.guildB, '300000000000000098'), 'how many were detained?');
      assert.equal(other.callback.type, 5);
    } finally {
      h.ctx.limits = saved;
    }
  });

  it('GIVEN direct messages from many users THEN they share one cap, like one server', async () => {
    const saved = h.ctx.limits;
    h.ctx.limits = { ...saved, ask: new AskLimiter(parseRate('100/min')!, parseRate('2/min')!) };
    try {
      const dm = (id: string) => ({ user: { id, username: `dm-${id}` } });
      assert.equal((await ask(dm('300000000000000201'), 'how many were detained?')).callback.type, 5);
      assert.equal((await ask(dm('300000000000000202'), 'how many were detained?')).callback.type, 5);
      const limited = await ask(dm('300000000000000203'), 'how many were detained?');
      assert.equal(limited.callback.type, 4);
      assert.equal(limited.ephemeral, true);
      assert.match(
        limited.message.content,
        /^I'm getting a lot of questions in direct messages right now\. Please try again <t:\d+:R>, or ask in a server\.$/,
      );
      // A server's own cap is untouched by the DMs.
      assert.equal((await ask(h.member(h.guildB, '300000000000000204'), 'how many were detained?')).callback.type, 5);
    } finally {
      h.ctx.limits = saved;
    }
  });

  it('GIVEN a member over the look-up cap THEN /sources, its pages, the Context button and suggestions are refused, and questions are not', async () => {
    const saved = h.ctx.limits;
    h.ctx.limits = { ...saved, browse: new AskLimiter(parseRate('2/min')!, parseRate('100/min')!) };
    try {
      const who = h.member(h.guildB, '300000000000000301');
      const list = await reply(h.emu.chatInput({ ...who, name: 'sources' }));
      assert.equal(list.message.embeds[0].title, 'Articles I can search here');
      const suggestions = await reply(
        h.emu.autocomplete({ ...who, name: 'sources', options: [opt('search', 'harbour', 3, true)] }),
      );
      assert.equal(suggestions.message.choices.length, 1);
      const refusedList = await reply(h.emu.chatInput({ ...who, name: 'sources' }));
      assert.equal(refusedList.ephemeral, true);
      assert.match(
        refusedList.message.content,
        /^You're looking things up faster than I can keep up\. You can try again <t:\d+:R>\.$/,
      );
      const refusedSuggestions = await reply(
        h.emu.autocomplete({ ...who, name: 'sources', options: [opt('search', 'harbour', 3, true)] }),
      );
      assert.deepEqual(refusedSuggestions.message.choices, []);
      const refusedContext = await reply(h.emu.button({ ...who, customId: 'ask:context:8:000_8e2903e39626057e' }));
      assert.match(refusedContext.message.content, /^You're looking things up faster/);
      const refusedPage = await reply(h.emu.button({ ...who, customId: 'sources:list:10:::0:' }));
      assert.match(refusedPage.message.content, /^You're looking things up faster/);
      const asked = await ask(who, 'how many were detained?');
      assert.match(embedText(asked.message), /7,939/);
      assert.ok(h.logs.some((l) => l.includes('"event":"rate_limited"') && l.includes('"action":"browse"')));
    } finally {
      h.ctx.limits = saved;
    }
  });

  it('GIVEN an interaction of another kind than its command declares THEN the router refuses it with a message, not silence', async () => {
    const asSlash = await reply(h.emu.chatInput({ ...h.member(h.guildA), name: 'Ask citebot' }));
    assert.equal(asSlash.ephemeral, true);
    assert.equal(
      asSlash.message.content,
      'Ask citebot is not a slash command of mine; the command list may be out of date.',
    );
    const asMenu = await reply(
      h.emu.messageContext({ ...h.member(h.guildA), name: 'ask', targetContent: 'how many were detained?' }),
    );
    assert.equal(
      asMenu.message.content,
      'ask is not a message menu entry of mine; the command list may be out of date.',
    );
    const unknownButton = await reply(h.emu.button({ ...h.member(h.guildA), customId: 'feed:unfollow:3' }));
    assert.equal(unknownButton.message.content, 'That button is broken or no longer supported; please ask again.');
    // Suggestions for a moderator-only command are empty for members.
    const ac = await reply(
      h.emu.autocomplete({ ...h.member(h.guildA), name: 'forget', options: [opt('article', 'quarry', 3, true)] }),
    );
    assert.deepEqual(ac.message.choices, []);
  });

  it('cuts an over-long answer to Discord limits at sentence boundaries (through the emulator)', async () => {
    const real = h.ctx.engine;
    const long = 'The committee heard evidence from many witnesses over several days. '.repeat(120);
    const cite = {
      title: 'Inquiry report',
      source: 'Gazette',
      date: '2024-01-02',
      url: 'https://gazette.example/inquiry',
      article_id: 'inq',
      paragraph: 3,
    };
    const fake: Engine = Object.create(real);
    fake.ask = async (question): Promise<AskResult> => ({
      question,
      answered: true,
      answer: null,
      passages: Array.from({ length: 6 }, (_, i) => ({
        rank: i + 1,
        text: long,
        highlight: 'The committee heard evidence from many witnesses over several days.',
        score: 0.9,
        citation: { ...cite, paragraph: i + 1 },
        also_in: [],
      })),
      articlesSearched: 1,
      tookMs: 5,
      questionId: null,
      indexRebuilding: null,
      filter: null,
    });
    h.ctx.engine = fake;
    try {
      const r = await ask(h.member(h.guildA), 'what did the inquiry hear?', [opt('count', 5, 4)]);
      const e = r.message.embeds[0];
      const total =
        e.title.length +
        e.description.length +
        e.footer.text.length +
        e.fields.reduce((n: number, f: any) => n + f.name.length + f.value.length, 0);
      assert.ok(e.description.length <= 4096, `description ${e.description.length}`);
      assert.ok(total <= 6000, `total ${total}`);
      assert.ok(e.fields.length >= 1 && e.fields.length <= 5);
      for (const f of e.fields) assert.ok(f.value.length <= 1024);
      assert.match(
        e.description,
        /over several days\. …\n\n— \[Inquiry report\]\(https:\/\/gazette\.example\/inquiry\) · Gazette · 2024-01-02 · ¶1$/,
      );
      assert.deepEqual(r.message.components[0].components, [
        { type: 2, style: 2, label: 'Context', custom_id: 'ask:context:1:inq' },
        { type: 2, style: 5, label: 'Open article', url: 'https://gazette.example/inquiry' },
      ]);
    } finally {
      h.ctx.engine = real;
    }
  });

  it('mention mode answers in listed channels as a reply, and ignores other channels', async () => {
    const askNews = h.guildA.channels.find((c) => c.name === 'ask-news')!;
    const general = h.guildA.channels.find((c) => c.name === 'general')!;
    h.emu.sendMessage({
      guildId: h.guildA.id,
      channelId: general.id,
      content: 'how many were detained?',
      mentionBot: true,
    });
    const msg = h.emu.sendMessage({
      guildId: h.guildA.id,
      channelId: askNews.id,
      content: 'how many were detained?',
      mentionBot: true,
    });
    const answer = await h.emu.waitFor(() => h.emu.messagesIn(askNews.id)[0], 15000, 'mention answer');
    assert.equal(answer.data.message_reference.message_id, msg.id);
    assert.match(embedText(answer.data), /7,939 people have been detained/);
    assert.match(embedText(answer.data), /TRT World and agencies · 2022-01-10/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.emu.messagesIn(general.id).length, 0);
  });

  it('mention mode reads since:/until:/source: written in the message, says so in the footer, and answers a bad date with what to write', async () => {
    const askNews = h.guildA.channels.find((c) => c.name === 'ask-news')!;
    const author = { id: '300000000000000032', username: 'filterer' };
    const before = h.emu.messagesIn(askNews.id).length;
    h.emu.sendMessage({
      guildId: h.guildA.id,
      channelId: askNews.id,
      content: 'how many were detained? source:"TRT World" until:2022',
      mentionBot: true,
      author,
    });
    const limited = await h.emu.waitFor(() => h.emu.messagesIn(askNews.id)[before], 15000, 'filtered mention answer');
    assert.match(embedText(limited.data), /7,939 people have been detained/);
    assert.match(
      limited.data.embeds[0].footer.text,
      /^Searched 1 article dated 2022-12-31 or earlier, from a source matching "TRT World" in [\d,]+ ms$/,
    );
    h.emu.sendMessage({
      guildId: h.guildA.id,
      channelId: askNews.id,
      content: 'how many were detained? since:2023',
      mentionBot: true,
      author,
    });
    const later = await h.emu.waitFor(
      () => h.emu.messagesIn(askNews.id)[before + 1],
      15000,
      'mention answer since 2023',
    );
    assert.doesNotMatch(embedText(later.data), /7,939/);
    assert.match(later.data.embeds[0].footer.text, /dated 2023-01-01 or later/);
    h.emu.sendMessage({
      guildId: h.guildA.id,
      channelId: askNews.id,
      content: 'how many were detained? since:2022-13',
      mentionBot: true,
      author,
    });
    const bad = await h.emu.waitFor(() => h.emu.messagesIn(askNews.id)[before + 2], 10000, 'bad date reply');
    assert.match(bad.data.content, /since "2022-13" is not a date; write it as 2022-01-10, 2022-01 or 2022/);
  });

  it('mention mode: MENTION_REPLY=thread answers in a thread; a bare mention gets a hint', async () => {
    const askNews = h.guildA.channels.find((c) => c.name === 'ask-news')!;
    const saved = h.ctx.config;
    h.ctx.config = { ...saved, mentionReply: 'thread' };
    try {
      const msg = h.emu.sendMessage({
        guildId: h.guildA.id,
        channelId: askNews.id,
        content: 'how long will the harbour bridge close?',
        mentionBot: true,
        author: { id: '300000000000000031', username: 'threader' },
      });
      const thread = await h.emu.waitFor(() => h.emu.threads.find((t) => t.messageId === msg.id), 15000, 'thread');
      assert.equal(thread.parentId, askNews.id);
      assert.equal(thread.name, 'how long will the harbour bridge close?');
      const inThread = await h.emu.waitFor(() => h.emu.messagesIn(thread.id)[0], 15000, 'answer in thread');
      assert.match(embedText(inThread.data), /Harbour Bridge/);
    } finally {
      h.ctx.config = saved;
    }
    const before = h.emu.messagesIn(askNews.id).length;
    h.emu.sendMessage({ guildId: h.guildA.id, channelId: askNews.id, content: '', mentionBot: true });
    const hint = await h.emu.waitFor(() => h.emu.messagesIn(askNews.id)[before], 10000, 'hint');
    assert.equal(
      hint.data.content,
      'Ask me a question after the mention, for example: `@citebot how many people were detained?`',
    );
  });

  it('/ingest url: fetches the page (SSRF guard allowing only the local test server) and /ask finds it', async () => {
    const page = `<!doctype html><html><head><title>Ferry timetable changes</title><link rel="canonical" href="https://ferries.example/news/timetable"></head><body><article><h1>Ferry timetable changes</h1>
<p>The island ferry will run 14 crossings a day from May 1, up from 9, after the operator added a second vessel to the route, the port authority said on Friday.</p>
<p>Tickets for the new early-morning crossing go on sale next week, and the fare will stay at 6 pounds for adults, the operator added in its statement.</p></article></body></html>`;
    const served = h.emu.addAttachment('ferry.html', page, 'text/html; charset=utf-8');
    const saved = h.ctx.fetchUrl;
    h.ctx.fetchUrl = (url) =>
      fetchUrl(url, { allowPrivateHosts: ['127.0.0.1'], timeoutMs: 5000, maxBytes: 1024 * 1024 });
    try {
      const r = await reply(h.emu.chatInput({ ...h.mod(h.guildA), name: 'ingest', options: [opt('url', served.url)] }));
      assert.equal(r.message.embeds[0].description, '**Ferry timetable changes** — 2 passages · new');
      const found = await ask(h.member(h.guildA), 'how many ferry crossings a day from May?');
      assert.match(found.message.embeds[0].description, /14 crossings a day/);
      assert.ok(
        found.message.components[0].components.some((c: any) => c.style === 5 && c.label === 'Open article'),
        'link button to the article',
      );
    } finally {
      h.ctx.fetchUrl = saved;
    }
  });

  it('the "Ask citebot" message context menu answers the message text', async () => {
    const r = await reply(
      h.emu.messageContext({
        ...h.member(h.guildA),
        name: 'Ask citebot',
        targetContent: 'How many people were detained in Kazakhstan?',
      }),
    );
    assert.equal(r.callback.type, 5);
    assert.equal(r.message.embeds[0].title, 'How many people were detained in Kazakhstan?');
    assert.match(embedText(r.message), /7,939 people have been detained/);
  });

  it('/sources pages with buttons and autocompletes titles', async () => {
    for (let i = 1; i <= 4; i++) {
      await ingestText(
        h.guildA,
        `Market stall report number ${i}\n\nThe weekly market in Ostby had ${i * 17} stalls on Saturday, the market warden counted, and trade was brisk despite the rain.`,
      );
    }
    const first = await reply(h.emu.chatInput({ ...h.member(h.guildA), name: 'sources' }));
    assert.equal(first.callback.type, 4);
    assert.equal(first.ephemeral, true);
    const e = first.message.embeds[0];
    assert.equal(e.title, 'Articles I can search here');
    assert.equal(e.description.split('\n').length, 10);
    assert.match(e.footer.text, /^1–10 of 1[3-9] articles$/);
    const next = first.message.components[0].components[1];
    assert.equal(next.custom_id, 'sources:list:10:::0:');
    const page2 = await reply(
      h.emu.button({
        ...h.member(h.guildA),
        customId: next.custom_id,
        message: { embeds: first.message.embeds, components: first.message.components },
      }),
    );
    assert.equal(page2.callback.type, 7, 'the list message is updated in place');
    assert.match(page2.message.embeds[0].description, /^11\. /);
    assert.match(page2.message.embeds[0].footer.text, /^11–1[3-9] of 1[3-9] articles$/);

    // guild B sees the library only
    const inB = await reply(h.emu.chatInput({ ...h.member(h.guildB), name: 'sources' }));
    assert.doesNotMatch(embedText(inB.message), /Market stall|orchid/);

    const ac = await reply(
      h.emu.autocomplete({ ...h.member(h.guildA), name: 'sources', options: [opt('search', 'harbour', 3, true)] }),
    );
    assert.deepEqual(
      ac.message.choices.map((c: any) => c.name),
      ["Port Merrow's Aldgrave Harbour Bridge to close for 11 weeks over corrosion"],
    );
    const searched = await reply(
      h.emu.chatInput({ ...h.member(h.guildA), name: 'sources', options: [opt('search', 'market stall')] }),
    );
    assert.equal(searched.message.embeds[0].title, 'Articles matching “market stall”');
    assert.equal(searched.message.embeds[0].description.split('\n').length, 4);

    // A button posted before filters existed still pages.
    const old = await reply(
      h.emu.button({
        ...h.member(h.guildA),
        customId: 'sources:page:10:',
        message: { embeds: first.message.embeds, components: first.message.components },
      }),
    );
    assert.match(old.message.embeds[0].description, /^11\. /);
  });

  it('/sources since/until/source lists only those articles, says so, keeps them on the next page, autocompletes sources, and refuses a bad date', async () => {
    for (let i = 1; i <= 12; i++) {
      const day = String(i).padStart(2, '0');
      await ingestText(
        h.guildA,
        `Ferry timetable notice ${i}\n2019-03-${day}\n\nThe Ostby ferry will leave ${i} minutes later than usual on weekdays, the harbour office said, because of dredging in the channel.\n\nSOURCE: Harbour Gazette`,
      );
    }
    const list = await reply(
      h.emu.chatInput({
        ...h.member(h.guildA),
        name: 'sources',
        options: [opt('source', 'gazette'), opt('since', '2019-03'), opt('until', '2019')],
      }),
    );
    assert.equal(list.callback.type, 4);
    const e = list.message.embeds[0];
    assert.equal(e.footer.text, '1–10 of 12 articles dated 2019-03-01 to 2019-12-31, from a source matching "gazette"');
    assert.ok(
      e.description
        .split('\n')
        .every((line: string) => /Ferry timetable notice \d+\*\* — Harbour Gazette · 2019-03-\d\d/.test(line)),
      e.description,
    );
    const next = list.message.components[0].components[1];
    assert.equal(next.custom_id, 'sources:list:10:2019-03-01:2019-12-31:7:gazette');
    const page2 = await reply(
      h.emu.button({
        ...h.member(h.guildA),
        customId: next.custom_id,
        message: { embeds: list.message.embeds, components: list.message.components },
      }),
    );
    assert.equal(
      page2.message.embeds[0].footer.text,
      '11–12 of 12 articles dated 2019-03-01 to 2019-12-31, from a source matching "gazette"',
    );

    const early = await reply(
      h.emu.chatInput({
        ...h.member(h.guildA),
        name: 'sources',
        options: [opt('source', 'gazette'), opt('until', '2019-03-02')],
      }),
    );
    assert.equal(early.message.embeds[0].description.split('\n').length, 2);
    const none = await reply(
      h.emu.chatInput({ ...h.member(h.guildA), name: 'sources', options: [opt('source', 'Nobody Weekly')] }),
    );
    assert.equal(none.message.embeds[0].description, 'No article is from a source matching "Nobody Weekly".');

    const ac = await reply(
      h.emu.autocomplete({ ...h.member(h.guildA), name: 'sources', options: [opt('source', 'harbour g', 3, true)] }),
    );
    assert.deepEqual(ac.message.choices, [{ name: 'Harbour Gazette (12)', value: 'Harbour Gazette' }]);

    const bad = await reply(
      h.emu.chatInput({ ...h.member(h.guildA), name: 'sources', options: [opt('since', '2019-13')] }),
    );
    assert.equal(bad.callback.type, 4);
    assert.equal(bad.ephemeral, true);
    assert.match(bad.message.content, /since "2019-13" is not a date; write it as 2022-01-10, 2022-01 or 2022/);
  });

  it('buttons: More passages (next page, ephemeral) and 👍, then /stats counts them', async () => {
    const first = await ask(h.member(h.guildB), 'how many were detained?', [opt('count', 1, 4)]);
    const buttons = first.message.components[0].components;
    const more = buttons.find((b: any) => String(b.custom_id).startsWith('ask:more:'));
    const up = buttons.find((b: any) => String(b.custom_id).endsWith(':up'));
    assert.match(more.custom_id, /^ask:more:\d+:2:1$/);
    const page = await reply(
      h.emu.button({
        ...h.member(h.guildB),
        customId: more.custom_id,
        message: { embeds: first.message.embeds, components: first.message.components },
      }),
    );
    assert.equal(page.callback.type, 5);
    assert.equal(page.ephemeral, true);
    assert.equal(page.message.embeds[0].title, 'how many were detained?');
    assert.match(
      embedText(page.message),
      /Passages 3–\d · Searched \d+ articles|No further passages support an answer/,
    );
    assert.doesNotMatch(page.message.embeds[0].description ?? '', /7,939 people/, 'page 2 does not repeat page 1');
    const voted = await reply(h.emu.button({ ...h.member(h.guildB), customId: up.custom_id }));
    assert.equal(voted.callback.type, 4);
    assert.equal(voted.message.content, 'Thanks! Your 👍 was recorded.');
    assert.equal(voted.ephemeral, true);

    // a button of guild B's question pressed in guild A is refused
    const cross = await reply(h.emu.button({ ...h.member(h.guildA), customId: up.custom_id }));
    assert.match(cross.message.content, /another server/);

    await ask(h.member(h.guildB), 'who won the 1998 world cup final?');
    const stats = await reply(
      h.emu.chatInput({ ...h.mod(h.guildB), name: 'stats', permissions: MODERATOR_PERMISSIONS }),
    );
    const fields = Object.fromEntries(stats.message.embeds[0].fields.map((f: any) => [f.name, f.value]));
    assert.equal(stats.ephemeral, true);
    assert.equal(stats.message.embeds[0].title, 'citebot statistics — Community B');
    assert.equal(fields['Feedback'], '👍 1 · 👎 0');
    assert.ok(Number(fields['Questions asked']) >= 3, fields['Questions asked']);
    assert.match(
      fields['Unanswered questions (most recent first)'],
      /^• who won the 1998 world cup final\? \(\d{4}-\d\d-\d\d \d\d:\d\d\)/,
    );
    assert.ok(fields['Model'].length > 0);

    // A 👎 on an answer shows the question to moderators; asking again makes it "asked most often".
    const second = await ask(h.member(h.guildB, '300000000000000042'), 'How many were detained?');
    const down = second.message.components[0].components.find((b: any) => String(b.custom_id).endsWith(':down'));
    await reply(h.emu.button({ ...h.member(h.guildB, '300000000000000042'), customId: down.custom_id }));
    const after = await reply(
      h.emu.chatInput({ ...h.mod(h.guildB), name: 'stats', permissions: MODERATOR_PERMISSIONS }),
    );
    const later = Object.fromEntries(after.message.embeds[0].fields.map((f: any) => [f.name, f.value]));
    assert.equal(later['Feedback'], '👍 1 · 👎 1');
    assert.match(
      later['Replies marked 👎 (most recent first)'],
      /^• How many were detained\? \(\d{4}-\d\d-\d\d \d\d:\d\d, 👎 1\)$/,
    );
    assert.match(later['Asked most often'], /^• How many were detained\? — [2-9]×, answered [2-9]×/);
  });

  it('/questions: the log newest first for moderators, only this server, filtered, paged with buttons', async () => {
    const who = h.member(h.guildA, '300000000000000051');
    const tags = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda'];
    for (const tag of tags) await ask(who, `what about ${tag}?`);
    await ask(who, 'who won the 1998 world cup final?');
    const detained = await ask(who, 'How many were detained?');
    const down = detained.message.components[0].components.find((b: any) => String(b.custom_id).endsWith(':down'));
    await reply(h.emu.button({ ...who, customId: down.custom_id }));
    await ask(h.member(h.guildB), 'what about omega?');

    const mod = { ...h.mod(h.guildA), permissions: MODERATOR_PERMISSIONS };
    const first = await reply(h.emu.chatInput({ ...mod, name: 'questions' }));
    assert.equal(first.callback.type, 4);
    assert.equal(first.ephemeral, true);
    const e = first.message.embeds[0];
    assert.equal(e.title, 'Questions asked — Newsroom A');
    const lines = e.description.split('\n');
    assert.equal(lines.length, 20, 'ten entries of two lines');
    assert.match(lines[0], /^`\d{4}-\d\d-\d\d \d\d:\d\d` answered · 👍 0 👎 1$/);
    assert.match(lines[2], /^`[\d :-]+` \*\*not answered\*\*$/);
    const asked = lines.filter((_: string, i: number) => i % 2 === 1);
    assert.deepEqual(asked, [
      'How many were detained?',
      'who won the 1998 world cup final?',
      ...tags
        .slice(3)
        .reverse()
        .map((t) => `what about ${t}?`),
    ]);
    assert.doesNotMatch(e.description, /omega/, "another server's question was listed");
    const [newest, older] = first.message.components[0].components;
    assert.equal(newest.disabled, true);
    assert.equal(older.disabled, false);

    const page2 = await reply(
      h.emu.button({
        ...mod,
        customId: older.custom_id,
        message: { embeds: first.message.embeds, components: first.message.components },
      }),
    );
    assert.equal(page2.callback.type, 7, 'the list is updated in place');
    assert.match(
      page2.message.embeds[0].description,
      /^`[^\n]+\nwhat about gamma\?\n`[^\n]+\nwhat about beta\?\n`[^\n]+\nwhat about alpha\?/,
    );
    assert.equal(page2.message.components[0].components[0].disabled, false);
    const refused = await reply(h.emu.button({ ...h.member(h.guildA), customId: older.custom_id }));
    assert.match(refused.message.content, /^Only moderators can see the questions people asked/);

    const notAnswered = await reply(
      h.emu.chatInput({ ...mod, name: 'questions', options: [opt('show', 'unanswered')] }),
    );
    assert.equal(notAnswered.message.embeds[0].title, 'Questions no passage answered — Newsroom A');
    assert.match(
      notAnswered.message.embeds[0].description,
      /^`[\d :-]+` \*\*not answered\*\*\nwho won the 1998 world cup final\?\n/,
    );
    assert.doesNotMatch(notAnswered.message.embeds[0].description, /` answered/);
    const downvoted = await reply(h.emu.chatInput({ ...mod, name: 'questions', options: [opt('show', 'downvoted')] }));
    assert.equal(downvoted.message.embeds[0].description, lines.slice(0, 2).join('\n'));
    assert.deepEqual(downvoted.message.components, [], 'no buttons for a single page');
  });

  it('one error boundary: unexpected errors give a generic ephemeral line and are logged with the command', async () => {
    const real = h.ctx.engine;
    const fake: Engine = Object.create(real);
    fake.ask = async () => {
      throw new Error('boom: store exploded');
    };
    h.ctx.engine = fake;
    try {
      const sent = h.emu.sendInteraction(
        h.emu.chatInput({ ...h.member(h.guildA), name: 'ask', options: [opt('question', 'anything at all?')] }),
      );
      const r = await h.emu.reply(sent);
      assert.equal(r.kind, 'followup');
      assert.equal(r.ephemeral, true);
      assert.equal(
        r.message.content,
        'Sorry, something went wrong on my side while handling that. The error was logged; please try again later.',
      );
      await h.emu.waitFor(
        () => h.emu.webhookMessages.find((w) => w.token === sent.token && w.kind === 'delete'),
        5000,
        'deleted placeholder',
      );
      assert.ok(
        h.logs.some(
          (l) => l.includes('"command":"/ask"') && l.includes('boom: store exploded') && l.includes('command failed'),
        ),
      );
    } finally {
      h.ctx.engine = real;
    }
  });

  it('resumes after the gateway drops the connection and keeps answering', async () => {
    // Count from here: under load an earlier heartbeat miss may already have resumed once.
    const connections = h.emu.connections;
    const resumes = h.emu.resumes;
    h.emu.dropGateway(4000);
    await h.emu.waitFor(() => h.emu.resumes > resumes || undefined, 15000, 'RESUME');
    assert.equal(h.emu.connections, connections + 1);
    assert.equal(h.emu.identifies.length, 1, 'resumed, not re-identified');
    const r = await ask(h.member(h.guildA), 'how many were detained as of January 10?');
    assert.match(r.message.embeds[0].description, /7,939/);
  });

  it('never logs question text by default (only its length), nor the token', () => {
    const all = h.logs.join('\n');
    assert.ok(!all.includes('how many were detained'));
    assert.ok(all.includes('"questionLength":23'));
    assert.ok(!all.includes(h.config.token));
  });
});

describe('a question that takes longer than ASK_TIMEOUT_MS', () => {
  let h: Harness;
  const TIMEOUT_TEXT = "I couldn't search the articles within 1 ms; I'm busy right now. Please ask again in a minute.";
  before(async () => {
    // 1 ms: a real search (a worker round trip, HNSW, SQLite) always takes longer.
    h = await startHarness({ env: { ASK_TIMEOUT_MS: '1' } });
  });
  after(async () => {
    await h?.close();
  });

  it('/ask on a stuck engine tells the asker to try again (privately) instead of leaving "thinking…" forever', async () => {
    // A real search can't be made to hang on purpose; this stand-in's ask never settles.
    const real = h.ctx.engine;
    const stuck: Engine = Object.create(real);
    stuck.ask = () => new Promise<AskResult>(() => undefined);
    h.ctx.engine = stuck;
    let r: InteractionReply;
    let sent: ReturnType<typeof h.emu.sendInteraction>;
    try {
      sent = h.emu.sendInteraction(
        h.emu.chatInput({ ...h.member(h.guildA), name: 'ask', options: [opt('question', 'how many were detained?')] }),
      );
      r = await h.emu.reply(sent);
    } finally {
      h.ctx.engine = real;
    }
    assert.equal(r.kind, 'followup');
    assert.equal(r.ephemeral, true);
    assert.equal(r.message.content, TIMEOUT_TEXT);
    await h.emu.waitFor(
      () => h.emu.webhookMessages.find((w) => w.token === sent.token && w.kind === 'delete'),
      5000,
      'deleted placeholder',
    );
    assert.ok(h.logs.some((l) => l.includes('"event":"ask_timeout"') && l.includes('"via":"/ask"')));
    // Commands that don't search still work.
    const sources = await h.emu.reply(
      h.emu.sendInteraction(h.emu.chatInput({ ...h.member(h.guildA), name: 'sources', options: [] })),
    );
    assert.match(JSON.stringify(sources.message), /Tokayev/);
  });

  it('questions queued behind running searches are skipped once their time is up; running ones finish', async () => {
    const asked = (await h.ctx.engine.stats(h.guildA.id)).questionsAsked;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        answer(h.ctx, {
          question: 'how many were detained?',
          guildId: h.guildA.id,
          userId: `30000000000000010${i}`,
          count: 1,
          via: 'test',
        }),
      ),
    );
    // ASK_CONCURRENCY searches start at once; the other three wait past the deadline and never start.
    const timedOut = outcomes.filter(
      (o) => o.status === 'rejected' && (o.reason as Error).message.endsWith(TIMEOUT_TEXT),
    );
    assert.ok(timedOut.length >= 5 - ASK_CONCURRENCY, `${timedOut.length} timed out`);
    for (const o of outcomes) if (o.status === 'fulfilled') assert.match(JSON.stringify(o.value.embeds), /7,939/);
    const deadline = Date.now() + 5000;
    while ((await h.ctx.engine.stats(h.guildA.id)).questionsAsked - asked < ASK_CONCURRENCY) {
      if (Date.now() > deadline) throw new Error('timed out waiting until running searches finish');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.ctx.engine.stats(h.guildA.id)).questionsAsked - asked, ASK_CONCURRENCY);
  });
});
