/**
 * Followed feeds against a real HTTP server on 127.0.0.1 (allowed with ALLOW_PRIVATE_HOSTS), a real
 * SQLite store and engine: new, changed and unchanged items, 304s, back-off, the URL guard through
 * redirects, summary-only items, sitemaps, robots.txt and hostile feeds.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Feeds } from '../../../src/ingest/feeds/feeds.ts';
import { OffThreadParser } from '../../../src/ingest/parse-off-thread.ts';
import { robotsAllow, robotsRules } from '../../../src/ingest/feeds/host-gate.ts';
import { MAX_ITEMS, parseFeed } from '../../../src/ingest/feeds/parse-feed.ts';
import { nextDelayMs } from '../../../src/ingest/feeds/poll.ts';
import { parseInterval } from '../../../src/ingest/feeds/scheduler.ts';
import { LIBRARY_COLLECTION } from '../../../src/types.ts';
import { openTestEngine, type TestEngine } from '../../helpers/engine.ts';
import { articlePage, fullText, rss, startFeedServer, type FeedServer } from '../../helpers/feed-server.ts';

describe('parseFeed', () => {
  test('GIVEN Atom, RSS 1.0 (RDF) and JSON Feed THEN items carry key, link, title, dates, author and content', () => {
    const atom = parseFeed(
      `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title><id>urn:x</id><updated>2024-05-02T10:00:00Z</updated>
       <entry><id>urn:1</id><title>Bridge opens</title><link rel="alternate" href="https://n.example/bridge"/><updated>2024-05-02T10:00:00Z</updated><published>2024-05-01T08:00:00Z</published><author><name>Ana Ruiz</name></author><summary>Short.</summary></entry></feed>`,
      'atom.xml',
    );
    assert.equal(atom.kind, 'atom');
    assert.equal(atom.title, 'Atom News');
    assert.deepEqual(
      { ...atom.items[0], hash: undefined },
      {
        key: 'urn:1',
        link: 'https://n.example/bridge',
        title: 'Bridge opens',
        published: '2024-05-01T08:00:00.000Z',
        updated: '2024-05-02T10:00:00.000Z',
        author: 'Ana Ruiz',
        publication: null,
        contentHtml: null,
        summary: 'Short.',
        hash: undefined,
      },
    );
    const rdf = parseFeed(
      `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
       <channel rdf:about="https://n.example/"><title>RDF News</title><link>https://n.example/</link><description>d</description></channel>
       <item rdf:about="https://n.example/a"><title>Dam report</title><link>https://n.example/a</link><dc:date>2024-04-03</dc:date><dc:creator>Li Wei</dc:creator></item></rdf:RDF>`,
      'rdf.xml',
    );
    assert.equal(rdf.kind, 'rdf');
    assert.equal(rdf.items[0]!.link, 'https://n.example/a');
    assert.equal(rdf.items[0]!.author, 'Li Wei');
    assert.equal(rdf.items[0]!.published, '2024-04-03T00:00:00.000Z');
    const json = parseFeed(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'JSON News',
        items: [
          {
            id: 'j1',
            url: 'https://n.example/j1',
            title: 'Tram',
            content_text: 'One.\n\nTwo.',
            date_published: '2024-03-01T00:00:00Z',
          },
        ],
      }),
      'feed.json',
    );
    assert.equal(json.kind, 'json');
    assert.equal(json.items[0]!.contentHtml, '<p>One.</p><p>Two.</p>');
  });

  test('GIVEN a Google News sitemap and a sitemap index THEN pages and sitemaps are listed', () => {
    const news = parseFeed(
      `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
       <url><loc>https://n.example/s1</loc><news:news><news:publication><news:name>The Examiner</news:name><news:language>en</news:language></news:publication><news:publication_date>2024-06-01T09:00:00Z</news:publication_date><news:title>Storm closes port</news:title></news:news></url></urlset>`,
      'news.xml',
    );
    assert.equal(news.kind, 'sitemap');
    assert.deepEqual(
      [news.items[0]!.link, news.items[0]!.title, news.items[0]!.publication, news.items[0]!.published],
      ['https://n.example/s1', 'Storm closes port', 'The Examiner', '2024-06-01T09:00:00.000Z'],
    );
    const index = parseFeed(
      `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://n.example/a.xml</loc></sitemap><sitemap><loc>https://n.example/b.xml</loc></sitemap></sitemapindex>`,
      'index.xml',
    );
    assert.deepEqual(index.sitemaps, ['https://n.example/a.xml', 'https://n.example/b.xml']);
  });

  test('GIVEN HTML, garbage or an entity bomb (also behind 100 KiB of comment) THEN feed_invalid says what it is; 10,000 items are cut to the newest MAX_ITEMS', () => {
    assert.throws(() => parseFeed('<!doctype html><html><body>Home</body></html>', 'https://n.example/'), {
      code: 'feed_invalid',
      message: /https:\/\/n\.example\/ is not a feed or sitemap citebot can read \(it is an HTML page\)/,
    });
    assert.throws(() => parseFeed('just some words', 'x'), { code: 'feed_invalid' });
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><rss version="2.0"><channel><title>&lol2;</title></channel></rss>`;
    assert.throws(() => parseFeed(bomb, 'bomb.xml'), { code: 'feed_invalid', message: /declares XML entities/ });
    const padded = bomb.replace('<!DOCTYPE', `<!--${'x'.repeat(100 * 1024)}-->\n${' '.repeat(10_000)}<!DOCTYPE`);
    assert.throws(() => parseFeed(padded, 'padded.xml'), {
      code: 'feed_invalid',
      message: /declares XML entities/,
    });
    const aboutXml = rss('XML Weekly', [
      { title: 'Entities', link: 'https://n.example/e', description: 'Write <!ENTITY x "y"> inside a DOCTYPE.' },
    ]).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE rss>');
    assert.equal(parseFeed(aboutXml, 'about.xml').items.length, 1, 'an article that mentions <!ENTITY is no bomb');
    const many = rss(
      'Many',
      Array.from({ length: 10_000 }, (_, i) => ({
        title: `Item ${i}`,
        link: `https://n.example/${i}`,
        pubDate: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toUTCString(),
      })),
    );
    const parsed = parseFeed(many, 'many.xml');
    assert.equal(parsed.items.length, MAX_ITEMS);
    assert.equal(parsed.dropped, 10_000 - MAX_ITEMS);
    assert.equal(parsed.items[0]!.title, 'Item 9999');
  });
});

describe('feed scheduling rules', () => {
  test('GIVEN intervals THEN 5 minutes is the least and the units read as written', () => {
    assert.equal(parseInterval('15m'), 15 * 60_000);
    assert.equal(parseInterval('1h'), 3_600_000);
    assert.equal(parseInterval('30'), 30 * 60_000);
    assert.throws(() => parseInterval('2m'), { code: 'parse_failed', message: /from 5m to 7d/ });
  });
  test('GIVEN failures in a row THEN the wait doubles each time, capped at 6 hours', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((f) => nextDelayMs(15 * 60_000, f)),
      [15, 30, 60, 120].map((m) => m * 60_000),
    );
    assert.equal(nextDelayMs(15 * 60_000, 20), 6 * 3_600_000);
  });
  test('GIVEN robots.txt groups THEN citebot follows its own group, else *, longest rule first', () => {
    const rules = robotsRules(
      'User-agent: *\nDisallow: /\n\nUser-agent: citebot\nDisallow: /private/\nAllow: /private/press/\n',
      'citebot/0.1',
    );
    assert.equal(robotsAllow(rules, '/news/a'), true);
    assert.equal(robotsAllow(rules, '/private/x'), false);
    assert.equal(robotsAllow(rules, '/private/press/y'), true);
    assert.equal(
      robotsAllow(robotsRules('User-agent: *\nDisallow: /feeds/*.xml$\n', 'citebot'), '/feeds/a.xml'),
      false,
    );
  });
});

describe('polling followed feeds', () => {
  let server: FeedServer;
  let t: TestEngine;
  let feeds: Feeds;

  before(async () => {
    server = await startFeedServer();
    t = await openTestEngine({
      env: { EMBEDDING_MODEL: 'keyword', ALLOW_PRIVATE_HOSTS: '127.0.0.1', FEED_MAX_NEW_ITEMS: '5' },
    });
    feeds = Feeds.open(t.engine, t.config, { hostSpacingMs: 0, timeoutMs: 5000 });
  });
  after(async () => {
    await feeds.close();
    await t.cleanup();
    await server.close();
  });
  beforeEach(() =>
    server.routes.set('/robots.txt', { type: 'text/plain', body: 'User-agent: *\nDisallow: /secret/\n' }),
  );

  const ask = async (question: string) =>
    (await t.engine.ask(question, { collections: [LIBRARY_COLLECTION] })).passages[0];

  test('GIVEN a feed that changes between polls THEN new items are added, a changed item is replaced, and an unchanged feed costs a 304', async () => {
    const bridge = {
      title: 'Bridge reopens',
      link: `${server.base}/news/bridge`,
      guid: 'bridge-1',
      pubDate: 'Mon, 06 May 2024 09:00:00 GMT',
      author: 'desk@city.example (Mara Olsen)',
      content: fullText(
        'bridge',
        'The old river bridge reopened on Monday after 14 months of repairs costing 3 million euros.',
      ),
    };
    const school = {
      title: 'School roof fixed',
      link: `${server.base}/news/school`,
      guid: 'school-1',
      pubDate: 'Tue, 07 May 2024 09:00:00 GMT',
      content: fullText(
        'school',
        'The leaking roof of the primary school was replaced over the holidays by 12 workers.',
      ),
    };
    server.routes.set('/city.xml', { body: rss('City Desk', [bridge, school]) });
    const feed = await feeds.add(`${server.base}/city.xml`, { collection: LIBRARY_COLLECTION });

    const [first] = await feeds.pollNow([feed]);
    assert.deepEqual(
      [first!.status, first!.new, first!.updated, first!.unchanged],
      ['ok', 2, 0, 0],
      JSON.stringify(first),
    );
    const hit = await ask('how long were the bridge repairs?');
    assert.match(hit!.text, /14 months of repairs/);
    assert.equal(hit!.citation.source, 'City Desk');
    assert.equal(hit!.citation.author, 'Mara Olsen', "the item's author is stored and cited");
    assert.equal(hit!.citation.date, '2024-05-06');
    assert.equal(hit!.citation.url, `${server.base}/news/bridge`);

    const changedBridge = {
      ...bridge,
      content: fullText(
        'bridge',
        'The old river bridge reopened on Monday after 16 months of repairs costing 4 million euros.',
      ),
    };
    const market = {
      title: 'Market moves',
      link: `${server.base}/news/market`,
      guid: 'market-1',
      pubDate: 'Wed, 08 May 2024 09:00:00 GMT',
      content: fullText('market', 'The weekly farmers market moves to the harbour square from June, with 40 stalls.'),
    };
    server.routes.set('/city.xml', { body: rss('City Desk', [changedBridge, school, market]) });
    const [second] = await feeds.pollNow([await feeds.find(String(feed.id))]);
    assert.deepEqual([second!.new, second!.updated, second!.unchanged], [1, 1, 1], JSON.stringify(second));
    assert.match((await ask('how long were the bridge repairs?'))!.text, /16 months of repairs/);
    assert.equal(
      (await t.engine.ask('14 months of repairs 3 million', { collections: [LIBRARY_COLLECTION] })).passages.some((p) =>
        /14 months/.test(p.text),
      ),
      false,
      'the old text is gone',
    );

    const before304 = server.notModified.get('/city.xml') ?? 0;
    const [third] = await feeds.pollNow([await feeds.find(feed.url)]);
    assert.equal(third!.status, 'not-modified');
    assert.equal(server.notModified.get('/city.xml'), before304 + 1);
    const stored = await feeds.find(String(feed.id));
    assert.equal(stored.items, 3);
    assert.equal(stored.title, 'City Desk');
    assert.ok(stored.lastSuccessAt);
  });

  test('GIVEN a failing feed THEN it backs off (doubling), keeps what it stored, and the other feeds are still polled', async () => {
    server.routes.set('/broken.xml', { status: 500, body: 'oops' });
    server.routes.set('/fine.xml', {
      body: rss('Fine Feed', [
        {
          title: 'Ferry adds crossings',
          link: `${server.base}/news/ferry`,
          guid: 'ferry-1',
          content: fullText('ferry', 'The island ferry adds 5 crossings a day from July.'),
        },
      ]),
    });
    const broken = await feeds.add(`${server.base}/broken.xml`, {
      collection: LIBRARY_COLLECTION,
      everyMs: 10 * 60_000,
    });
    const fine = await feeds.add(`${server.base}/fine.xml`, { collection: LIBRARY_COLLECTION });
    const started = Date.now();
    const results = await feeds.pollNow([broken, fine]);
    const byUrl = new Map(results.map((r) => [r.url, r]));
    assert.equal(byUrl.get(broken.url)!.status, 'failed');
    assert.match(byUrl.get(broken.url)!.error!, /answered 500/);
    assert.equal(byUrl.get(fine.url)!.new, 1, JSON.stringify(byUrl.get(fine.url)));
    let health = await feeds.find(String(broken.id));
    assert.equal(health.failures, 1);
    const firstWait = Date.parse(health.nextPollAt) - started;
    assert.ok(
      firstWait >= 0.9 * 20 * 60_000 && firstWait <= 1.1 * 20 * 60_000 + 5000,
      `first back-off ${firstWait} ms`,
    );
    await feeds.pollNow([health]);
    health = await feeds.find(String(broken.id));
    assert.equal(health.failures, 2);
    assert.ok(Date.parse(health.nextPollAt) - Date.now() >= 0.9 * 40 * 60_000, 'second back-off doubles');
    assert.match(health.lastError!, /answered 500/);

    server.routes.set('/broken.xml', { body: rss('Broken Feed', []) });
    await feeds.pollNow([health]);
    assert.equal((await feeds.find(String(broken.id))).failures, 0);
  });

  test('GIVEN a feed that redirects to a metadata address THEN the guard refuses it and nothing is fetched there', async () => {
    server.routes.set('/moved.xml', { location: 'http://169.254.169.254/latest/meta-data' });
    const feed = await feeds.add(`${server.base}/moved.xml`, { collection: LIBRARY_COLLECTION });
    const [result] = await feeds.pollNow([feed]);
    assert.equal(result!.status, 'failed');
    assert.match(result!.error!, /refused to fetch .*link-local address \(169\.254\.169\.254\)/);
  });

  test('GIVEN a summary-only item THEN its page is fetched and read whole (Readability)', async () => {
    server.routes.set('/news/library', {
      type: 'text/html; charset=utf-8',
      body: articlePage('Library opens Sundays', [
        'The central library will open on Sundays from March, with 12 extra staff hired for the weekend.',
        'The change follows a petition signed by 2,300 residents last year.',
      ]),
    });
    server.routes.set('/summaries.xml', {
      body: rss('Summaries', [
        {
          title: 'Library opens Sundays',
          link: `${server.base}/news/library`,
          guid: 'lib-1',
          description: 'The library changes its hours.',
        },
      ]),
    });
    const feed = await feeds.add(`${server.base}/summaries.xml`, {
      collection: LIBRARY_COLLECTION,
      sourceName: 'Town Hall News',
    });
    const [result] = await feeds.pollNow([feed]);
    assert.equal(result!.new, 1, JSON.stringify(result));
    assert.equal(server.hits.get('/news/library'), 1);
    const hit = await ask('how many residents signed the library petition?');
    assert.match(hit!.text, /2,300 residents/);
    assert.equal(hit!.citation.source, 'Town Hall News');
  });

  test('GIVEN a sitemap index with two sitemaps THEN both are followed and their pages indexed; robots.txt is obeyed', async () => {
    server.routes.set('/pages/quay', {
      type: 'text/html',
      body: articlePage('Quay repaired', [
        'The north quay was repaired with 900 tonnes of stone, the port said on Friday.',
      ]),
    });
    server.routes.set('/pages/tram', {
      type: 'text/html',
      body: articlePage('Tram tested', [
        'The new tram made its first test run on the 6 kilometre line on Sunday night.',
      ]),
    });
    server.routes.set('/secret/page', {
      type: 'text/html',
      body: articlePage('Hidden', ['This page is disallowed by robots.txt and must never be fetched.']),
    });
    const sitemap = (paths: string[]) => ({
      type: 'application/xml',
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths.map((p) => `<url><loc>${server.base}${p}</loc><lastmod>2024-06-0${paths.indexOf(p) + 1}</lastmod></url>`).join('')}</urlset>`,
    });
    server.routes.set('/sitemap-a.xml', sitemap(['/pages/quay', '/secret/page']));
    server.routes.set('/sitemap-b.xml', sitemap(['/pages/tram']));
    server.routes.set('/sitemap.xml', {
      type: 'application/xml',
      body: `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${server.base}/sitemap-a.xml</loc></sitemap><sitemap><loc>${server.base}/sitemap-b.xml</loc></sitemap></sitemapindex>`,
    });
    const feed = await feeds.add(`${server.base}/sitemap.xml`, { collection: LIBRARY_COLLECTION });
    const [result] = await feeds.pollNow([feed]);
    assert.deepEqual(result!.indexed.map((i) => i.title).sort(), ['Quay repaired', 'Tram tested']);
    assert.equal(result!.failedItems.length, 1);
    assert.match(result!.failedItems[0]!.reason, /robots\.txt does not allow citebot to fetch \/secret\/page/);
    assert.equal(server.hits.get('/secret/page'), undefined);
    assert.match((await ask('how much stone was used on the north quay?'))!.text, /900 tonnes/);
  });

  test('GIVEN HTML instead of a feed, and a feed of 10,000 items THEN a clear error, and a capped poll that leaves the rest for later', async () => {
    server.routes.set('/home', {
      type: 'text/html',
      body: '<!doctype html><html><body><h1>Welcome</h1></body></html>',
    });
    const html = await feeds.add(`${server.base}/home`, { collection: 'g-hostile' });
    const [bad] = await feeds.pollNow([html]);
    assert.equal(bad!.status, 'failed');
    assert.match(bad!.error!, /is not a feed or sitemap citebot can read \(it is an HTML page\)/);

    const items = Array.from({ length: 10_000 }, (_, i) => ({
      title: `Notice ${i}`,
      link: `${server.base}/n/${i}`,
      guid: `n-${i}`,
      pubDate: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toUTCString(),
      content: fullText(`notice ${i}`, `Notice number ${i} was posted by the council clerk this morning.`),
    }));
    server.routes.set('/huge.xml', { body: rss('Huge', items) });
    const huge = await feeds.add(`${server.base}/huge.xml`, { collection: 'g-hostile' });
    const [capped] = await feeds.pollNow([huge]);
    assert.equal(capped!.new, 5, JSON.stringify({ ...capped, indexed: capped!.indexed.length }));
    assert.equal(capped!.deferred, MAX_ITEMS - 5);
    assert.deepEqual(
      capped!.indexed.map((i) => i.title),
      ['Notice 9999', 'Notice 9998', 'Notice 9997', 'Notice 9996', 'Notice 9995'],
    );
    assert.equal(await t.engine.countArticles('g-hostile'), 5);
  });
});

describe('feeds read on the parse worker (as the bot reads them)', () => {
  let server: FeedServer;
  let t: TestEngine;
  let feeds: Feeds;
  const parser = new OffThreadParser();

  before(async () => {
    server = await startFeedServer();
    server.routes.set('/robots.txt', { type: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    t = await openTestEngine({ env: { EMBEDDING_MODEL: 'keyword', ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    feeds = Feeds.open(t.engine, t.config, {
      parse: (input) => parser.parse(input, { maxBytes: t.config.maxArticleBytes }),
      parseFeed: (body, charset, shown) => parser.parseFeed(body, charset, shown),
      hostSpacingMs: 0,
      timeoutMs: 5000,
    });
  });
  after(async () => {
    await feeds.close();
    await parser.close();
    await t.cleanup();
    await server.close();
  });

  test('GIVEN a Latin-1 feed THEN the worker decodes it in its declared charset and returns its items', async () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Caf\u00e9 News</title><link>http://n.example/</link><description>d</description><item><title>Cr\u00e8che opens</title><link>http://n.example/c</link></item></channel></rss>`;
    const parsed = await parser.parseFeed(new Uint8Array(Buffer.from(xml, 'latin1')), 'iso-8859-1', 'latin1.xml');
    assert.equal(parsed.title, 'Café News');
    assert.equal(parsed.items[0]!.title, 'Crèche opens');
  });

  test('GIVEN a feed that turns hostile (garbage, HTML, an entity bomb) beside a good one THEN each fails with feed_invalid, the good one is indexed, and nothing stored is lost', async () => {
    const story = (id: string, fact: string) => ({
      title: `Story ${id}`,
      link: `${server.base}/w/${id}`,
      guid: id,
      pubDate: 'Mon, 06 May 2024 09:00:00 GMT',
      content: fullText(`story ${id}`, fact),
    });
    server.routes.set('/turns.xml', {
      body: rss('Turncoat', [story('t1', 'The ferry timetable adds 7 sailings on Saturdays from June.')]),
    });
    const turns = await feeds.add(`${server.base}/turns.xml`, { collection: 'g-worker' });
    assert.equal((await feeds.pollNow([turns]))[0]!.new, 1);

    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><rss version="2.0"><channel><title>&lol2;</title></channel></rss>`;
    const hostile: [string, string, RegExp][] = [
      ['\u0000\u0001 binary garbage \u00ff', 'application/xml', /is not a feed or sitemap citebot can read/],
      ['<!doctype html><html><body>Moved</body></html>', 'text/html', /\(it is an HTML page\)/],
      [bomb, 'application/rss+xml', /declares XML entities/],
    ];
    server.routes.set('/good.xml', {
      body: rss('Good', [story('g1', 'The swimming pool reopens with a 50 metre lane on Friday.')]),
    });
    const good = await feeds.add(`${server.base}/good.xml`, { collection: 'g-worker' });
    for (const [body, type, message] of hostile) {
      server.routes.set('/turns.xml', { body, type });
      const results = await feeds.pollNow([await feeds.find(String(turns.id)), await feeds.find(String(good.id))]);
      const byUrl = new Map(results.map((r) => [r.url, r]));
      assert.equal(byUrl.get(turns.url)!.status, 'failed');
      assert.match(byUrl.get(turns.url)!.error!, message);
      assert.notEqual(byUrl.get(good.url)!.status, 'failed', 'one bad feed does not fail the others');
    }
    assert.equal((await feeds.find(String(turns.id))).failures, 3);
    const hit = (await t.engine.ask('how many sailings are added on Saturdays?', { collections: ['g-worker'] }))
      .passages[0];
    assert.match(hit!.text, /adds 7 sailings/, "the hostile feed's earlier article is still answered from");
    assert.equal(await t.engine.countArticles('g-worker'), 2);
  });
});
