/** Graceful stop in-process: in-flight replies finish, new interactions are turned away, a stuck reply is given up after the timeout. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AskResult, Engine } from '../../src/engine-api.ts';
import { opt, startHarness } from '../helpers/bot-harness.ts';

function slowEngine(real: Engine, ms: number): Engine {
  const fake: Engine = Object.create(real);
  fake.ask = async (question): Promise<AskResult> => {
    await new Promise((r) => setTimeout(r, ms));
    return {
      question,
      answered: false,
      answer: null,
      passages: [],
      articlesSearched: 0,
      tookMs: ms,
      questionId: null,
      indexRebuilding: null,
      filter: null,
    };
  };
  return fake;
}

describe('bot: graceful stop', () => {
  it('lets in-flight replies finish, turns new interactions away, gives up after SHUTDOWN_TIMEOUT_MS', async () => {
    const h = await startHarness({ examples: false, env: { SHUTDOWN_TIMEOUT_MS: '1500' } });
    try {
      h.ctx.engine = slowEngine(h.te.engine, 600);
      const inFlight = h.emu.sendInteraction(
        h.emu.chatInput({ ...h.member(h.guildA), name: 'ask', options: [opt('question', 'slow one?')] }),
      );
      await h.emu.waitFor(() => h.emu.callbackFor(inFlight.id), 5000, 'deferral');
      const stopping = h.bot.stop();
      const late = h.emu.sendInteraction(
        h.emu.chatInput({ ...h.member(h.guildA), name: 'ask', options: [opt('question', 'too late?')] }),
      );
      const lateReply = await h.emu.reply(late, 5000);
      assert.equal(lateReply.callback.type, 4);
      assert.equal(lateReply.message.content, 'citebot is restarting; please try again in a minute.');
      const result = await stopping;
      assert.equal(result.drained, true);
      const finished = await h.emu.reply(inFlight, 1000);
      assert.equal(finished.kind, 'edit', 'the in-flight answer was delivered before the client closed');
    } finally {
      await h.te.cleanup();
      await h.emu.close();
    }

    const h2 = await startHarness({ examples: false, env: { SHUTDOWN_TIMEOUT_MS: '300' } });
    try {
      h2.ctx.engine = slowEngine(h2.te.engine, 3000);
      const stuck = h2.emu.sendInteraction(
        h2.emu.chatInput({ ...h2.member(h2.guildA), name: 'ask', options: [opt('question', 'stuck?')] }),
      );
      await h2.emu.waitFor(() => h2.emu.callbackFor(stuck.id), 5000, 'deferral');
      const started = Date.now();
      const result = await h2.bot.stop();
      assert.equal(result.drained, false);
      assert.equal(result.pending, 1);
      assert.ok(Date.now() - started < 1500);
      assert.ok(h2.logs.some((l) => l.includes('"event":"event_loop"')));
    } finally {
      await new Promise((r) => setTimeout(r, 3000)); // let the stuck ask settle before closing the store
      await h2.te.cleanup();
      await h2.emu.close();
    }
  });
});
