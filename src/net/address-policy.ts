/**
 * The address policy of every outgoing fetch (SSRF guard): which addresses citebot may connect to.
 *
 * Only public unicast addresses are allowed. Private, loopback, link-local, unique-local, CGNAT,
 * multicast, unspecified, reserved and documentation ranges are refused, in IPv4 and IPv6, including
 * the IPv6 forms that embed an IPv4 address (IPv4-mapped/compatible, NAT64, 6to4).
 *
 * The operator may open holes with ALLOW_PRIVATE_HOSTS: host names (exact, case-insensitive) and
 * networks in CIDR form (a bare address is its own /32 or /128). Newsrooms publish feeds on intranets.
 */
import { isIP } from 'node:net';
import { UserError } from '../errors.ts';

export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

// ---------------------------------------------------------------------------
// Address classification
// ---------------------------------------------------------------------------

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

function inV4(n: number, base: string, bits: number): boolean {
  const b = ipv4ToInt(base)!;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  return (n & mask) >>> 0 === (b & mask) >>> 0;
}

export function classifyIPv4(ip: string): AddressClass {
  const n = ipv4ToInt(ip);
  if (n === null) return 'invalid';
  if (inV4(n, '0.0.0.0', 8)) return 'unspecified';
  if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16)) return 'private';
  if (inV4(n, '127.0.0.0', 8)) return 'loopback';
  if (inV4(n, '169.254.0.0', 16)) return 'link-local';
  if (inV4(n, '100.64.0.0', 10)) return 'cgnat';
  if (inV4(n, '224.0.0.0', 4)) return 'multicast';
  if (
    inV4(n, '192.0.0.0', 24) || // IETF protocol assignments
    inV4(n, '192.0.2.0', 24) || // TEST-NET-1
    inV4(n, '198.18.0.0', 15) || // benchmarking
    inV4(n, '198.51.100.0', 24) || // TEST-NET-2
    inV4(n, '203.0.113.0', 24) || // TEST-NET-3
    inV4(n, '192.88.99.0', 24) || // 6to4 relay anycast
    inV4(n, '240.0.0.0', 4) // reserved + broadcast
  ) {
    return 'reserved';
  }
  return 'public';
}

/** Expands an IPv6 literal (with optional embedded IPv4 and zone) into 8 16-bit groups. */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    const n = ipv4ToInt(v4[1]!);
    if (n === null) return null;
    s = `${s.slice(0, s.length - v4[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  if (halves.length === 1) {
    return total === 8 ? head : null;
  }
  if (total > 7) return null;
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
}

function v4FromGroups(hi: number, lo: number): string {
  return `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`;
}

export function classifyIPv6(ip: string): AddressClass {
  const g = ipv6Groups(ip);
  if (!g) return 'invalid';
  const allZero = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (allZero(0, 8)) return 'unspecified';
  if (allZero(0, 7) && g[7] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d
  if (allZero(0, 5) && g[5] === 0xffff) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  if (allZero(0, 6)) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  if (allZero(0, 4) && g[4] === 0xffff && g[5] === 0) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  // NAT64 64:ff9b::/96 and 64:ff9b:1::/48 embed an IPv4 address
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(2, 6)) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'reserved';
  // 6to4 2002::/16 embeds an IPv4 address in groups 1–2
  if (g[0] === 0x2002) return classifyIPv4(v4FromGroups(g[1]!, g[2]!));
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'unique-local'; // fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x2001 && g[1]! < 0x0200) return 'reserved'; // 2001::/23 IETF (Teredo, benchmarking, ORCHID…)
  if (first === 0x0100 && allZero(1, 4)) return 'reserved'; // discard-only 100::/64
  if ((first & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
}

function bare(ip: string): string {
  return ip.replace(/^\[|\]$/g, '');
}

/** What kind of address `ip` is (IPv4 or IPv6 literal, brackets and zone allowed). */
export function classifyAddress(ip: string): AddressClass {
  const kind = isIP(bare(ip).replace(/%.*$/, ''));
  if (kind === 4) return classifyIPv4(bare(ip));
  if (kind === 6) return classifyIPv6(bare(ip));
  return 'invalid';
}

export function isPublicAddress(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}

// ---------------------------------------------------------------------------
// The allow-list (ALLOW_PRIVATE_HOSTS)
// ---------------------------------------------------------------------------

interface Network {
  family: 4 | 6;
  base: bigint;
  bits: number;
  text: string;
}

export interface AddressPolicy {
  /** Host names (lower case, no trailing dot) whose addresses are not checked. */
  readonly hosts: ReadonlySet<string>;
  /** Networks whose addresses are allowed although not public. */
  readonly networks: readonly Network[];
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** The address as a number: 32 bits for IPv4 (and IPv4-mapped IPv6), 128 for IPv6. */
function toNumber(ip: string): { family: 4 | 6; value: bigint } | null {
  const b = bare(ip).replace(/%.*$/, '');
  if (isIP(b) === 4) return { family: 4, value: BigInt(ipv4ToInt(b)!) };
  if (isIP(b) !== 6) return null;
  const g = ipv6Groups(b);
  if (!g) return null;
  // ::ffff:10.1.2.3 is 10.1.2.3 on the wire, so an IPv4 network covers it.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return { family: 4, value: BigInt(g[6]! * 65536 + g[7]!) };
  return { family: 6, value: g.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n) };
}

function parseNetwork(entry: string): Network | null {
  const [addr = '', bitsText, extra] = entry.split('/');
  if (extra !== undefined) return null;
  const n = toNumber(addr);
  if (!n) return null;
  const width = n.family === 4 ? 32 : 128;
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return null;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (bits > width) return null;
  const hostBits = BigInt(width - bits);
  return { family: n.family, base: (n.value >> hostBits) << hostBits, bits, text: entry };
}

/** Why an ALLOW_PRIVATE_HOSTS entry is not usable, or null when it is. */
function entryProblem(entry: string): string | null {
  if (entry.includes('/') || isIP(bare(entry)) || /^[\d.]+$/.test(entry)) {
    return parseNetwork(entry) ? null : `"${entry}" is not an address or a network like 10.20.0.0/16 or fd00::/8`;
  }
  return HOST_NAME.test(entry.toLowerCase().replace(/\.$/, ''))
    ? null
    : `"${entry}" is not a host name, an address or a network`;
}

/** Splits an ALLOW_PRIVATE_HOSTS value ("cms.internal, 10.20.0.0/16") into its entries. */
export function splitAllowList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The problems of an allow-list, one message per bad entry (empty when every entry is fine). */
export function allowListProblems(entries: readonly string[]): string[] {
  return entries.map(entryProblem).filter((p): p is string => p !== null);
}

/** Builds the policy from ALLOW_PRIVATE_HOSTS entries; throws config_invalid naming every bad entry. */
export function addressPolicy(allowPrivateHosts: readonly string[] = []): AddressPolicy {
  const problems = allowListProblems(allowPrivateHosts);
  if (problems.length) {
    throw new UserError('config_invalid', `ALLOW_PRIVATE_HOSTS: ${problems.join('; ')} (see .env.example)`);
  }
  const hosts = new Set<string>();
  const networks: Network[] = [];
  for (const entry of allowPrivateHosts) {
    const network = entry.includes('/') || isIP(bare(entry)) ? parseNetwork(entry) : null;
    if (network) networks.push(network);
    else hosts.add(entry.toLowerCase().replace(/\.$/, ''));
  }
  return { hosts, networks };
}

/** The default policy: public addresses only. */
export const PUBLIC_ONLY: AddressPolicy = addressPolicy([]);

function inNetwork(ip: string, network: Network): boolean {
  const n = toNumber(ip);
  if (!n || n.family !== network.family) return false;
  const hostBits = BigInt((n.family === 4 ? 32 : 128) - network.bits);
  return (n.value >> hostBits) << hostBits === network.base;
}

export function isHostAllowed(policy: AddressPolicy, host: string): boolean {
  return policy.hosts.has(bare(host).toLowerCase().replace(/\.$/, ''));
}

/**
 * Checks every address `host` resolved to. Throws url_refused naming the first address that is
 * neither public nor in an allowed network (unless the host name itself is allowed).
 * `shown` is how the URL is named in the message (the one the user gave, not a redirect's).
 */
export function checkAddresses(policy: AddressPolicy, host: string, addresses: readonly string[], shown: string): void {
  if (isHostAllowed(policy, host)) return;
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'public') continue;
    if (policy.networks.some((n) => inNetwork(address, n))) continue;
    const who = bare(host) === bare(address) ? 'it' : host;
    throw new UserError(
      'url_refused',
      `refused to fetch ${shown}: ${who} points to a ${kind === 'invalid' ? 'non-routable' : kind} address (${address}), and citebot only fetches public web pages`,
    );
  }
}
