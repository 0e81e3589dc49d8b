/**
 * /ingest of an NDJSON attachment with bad lines, through the Discord emulator and the real
 * parse worker: the good lines are stored, each bad one is reported with its line and reason;
 * only an attachment with no good line at all is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InteractionReply } from '../helpers/discord-emulator.ts';
import { embedText, opt, startHarness, type Harness } from '../helpers/bot-harness.ts';

const record = (id: string, title: string) =>
  JSON.stringify({
    id,
    title,
    date: '2024-05-01',
    paragraphs: [`${title}: the harbour office said the morning ferry will leave at 7:40 from Monday on.`],
  });

describe('/ingest of an NDJSON attachment', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  const ingestFile = (name: string, text: string): Promise<InteractionReply> => {
    const file = h.emu.addAttachment(name, text, 'application/x-ndjson');
    return h.emu.reply(
      h.emu.sendInteraction(
        h.emu.chatInput({
          ...h.mod(h.guildB),
          name: 'ingest',
          options: [opt('file', file.id, 11)],
          resolved: { attachments: { [file.id]: file } },
        }),
      ),
    );
  };

  it('GIVEN one bad line among good ones THEN the good lines are stored and the bad one is reported with its line', async () => {
    const before = await h.ctx.engine.countArticles(h.guildB.id);
    const text = [
      record('ferry-1', 'Ferry times one'),
      '{"title": "broken',
      record('ferry-3', 'Ferry times three'),
    ].join('\n');
    const r = await ingestFile('ferries.ndjson', text);
    assert.equal(r.callback.type, 5);
    const shown = embedText(r.message);
    assert.match(shown, /Ingested 2 articles/);
    assert.match(shown, /Ferry times one\*\* — 1 passage · new/);
    assert.match(shown, /Ferry times three\*\* — 1 passage · new/);
    assert.match(shown, /Skipped line 2 of ferries\.ndjson: ferries\.ndjson line 2 is not valid JSON/);
    assert.equal(await h.ctx.engine.countArticles(h.guildB.id), before + 2);
  });

  it('GIVEN only bad lines THEN the attachment is refused with the first bad line and nothing is stored', async () => {
    const before = await h.ctx.engine.countArticles(h.guildB.id);
    const r = await ingestFile('broken.ndjson', '{"title": "broken\n[1, 2]');
    assert.match(r.message.content, /^broken\.ndjson holds no usable article: broken\.ndjson line 1 is not valid JSON/);
    assert.equal(await h.ctx.engine.countArticles(h.guildB.id), before);
  });
});
