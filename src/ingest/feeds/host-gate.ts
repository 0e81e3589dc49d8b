/**
 * Politeness per host, shared by every feed of a process: requests to one host are spaced out,
 * and robots.txt (fetched once an hour per host, through the same guarded fetch) is obeyed.
 */
import { UserError } from '../../errors.ts';
import { guardedFetch, type GuardedFetchOptions } from '../../net/guarded-fetch.ts';

interface Rule {
  allow: boolean;
  pattern: RegExp;
  length: number;
}

interface RobotsEntry {
  rules: Rule[];
  fetchedAt: number;
}

const ROBOTS_TTL_MS = 60 * 60 * 1000;
const ROBOTS_MAX_BYTES = 512 * 1024;

function rulePattern(path: string): RegExp {
  const anchored = path.endsWith('$');
  const body = (anchored ? path.slice(0, -1) : path).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}

/**
 * The rules of robots.txt that apply to `agent`: the group naming it, else the `*` group.
 * Exported for tests.
 */
export function robotsRules(text: string, agent: string): Rule[] {
  const groups: { agents: string[]; rules: Rule[] }[] = [];
  let current: { agents: string[]; rules: Rule[] } | null = null;
  let lastWasAgent = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const field = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (field === 'user-agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    if (!current || (field !== 'allow' && field !== 'disallow')) continue;
    if (value === '') continue; // "Disallow:" with nothing allows everything
    current.rules.push({ allow: field === 'allow', pattern: rulePattern(value), length: value.length });
  }
  const name = agent.toLowerCase();
  const mine = groups.filter((g) => g.agents.some((a) => a !== '*' && name.includes(a)));
  const chosen = mine.length > 0 ? mine : groups.filter((g) => g.agents.includes('*'));
  return chosen.flatMap((g) => g.rules);
}

/** The longest matching rule decides; Allow wins a tie; no rule allows. */
export function robotsAllow(rules: readonly Rule[], path: string): boolean {
  let best: Rule | null = null;
  for (const rule of rules) {
    if (!rule.pattern.test(path)) continue;
    if (!best || rule.length > best.length || (rule.length === best.length && rule.allow)) best = rule;
  }
  return best ? best.allow : true;
}

export interface HostGateOptions {
  /** Least time between two requests to one host (default 1 s). */
  spacingMs?: number;
  /** The guarded fetch's settings, for robots.txt. */
  fetch: GuardedFetchOptions;
  /** The product token robots.txt groups are matched against. */
  agent?: string;
}

export class HostGate {
  private readonly nextSlot = new Map<string, number>();
  private readonly robots = new Map<string, Promise<RobotsEntry>>();
  private readonly spacingMs: number;

  constructor(private readonly options: HostGateOptions) {
    this.spacingMs = options.spacingMs ?? 1000;
  }

  /** Waits for this host's next free slot and takes it. */
  async wait(url: string): Promise<void> {
    const host = new URL(url).host;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(host) ?? 0);
    this.nextSlot.set(host, slot + this.spacingMs);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  /** Throws `robots_disallowed` when the host's robots.txt forbids citebot this URL. */
  async check(url: string): Promise<void> {
    const target = new URL(url);
    const entry = await this.robotsOf(target);
    if (!robotsAllow(entry.rules, `${target.pathname}${target.search}`)) {
      throw new UserError(
        'robots_disallowed',
        `${target.host}/robots.txt does not allow citebot to fetch ${target.pathname}; ask the site's owner, or follow another feed`,
      );
    }
  }

  private robotsOf(target: URL): Promise<RobotsEntry> {
    const cached = this.robots.get(target.origin);
    if (cached) {
      void cached.then((entry) => {
        if (Date.now() - entry.fetchedAt > ROBOTS_TTL_MS) this.robots.delete(target.origin);
      });
      return cached;
    }
    const loading = this.loadRobots(target.origin);
    this.robots.set(target.origin, loading);
    return loading;
  }

  private async loadRobots(origin: string): Promise<RobotsEntry> {
    const agent = this.options.agent ?? 'citebot';
    try {
      await this.wait(origin);
      const res = await guardedFetch(`${origin}/robots.txt`, {
        ...this.options.fetch,
        maxBytes: ROBOTS_MAX_BYTES,
        acceptTypes: undefined,
      });
      return { rules: robotsRules(res.body.toString('utf8'), agent), fetchedAt: Date.now() };
    } catch {
      // No robots.txt (404), or none readable: nothing is forbidden. Tried again in an hour.
      return { rules: [], fetchedAt: Date.now() };
    }
  }
}
