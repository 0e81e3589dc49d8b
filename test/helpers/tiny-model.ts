/**
 * Offline model fixtures for tests: a tiny BERT-type model folder that the real
 * Transformers.js pipeline loads with no network (the Hugging Face hub is unreachable here).
 *
 * Also exports the small ONNX-building kit (`GraphBuilder`, `SeededRandom`, `writeModelFolder`)
 * that bench/minilm-shaped.ts reuses for the full-size MiniLM-shaped graph.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { ModelSpec } from '../../src/embed/model-spec.ts';
import { seededRandom } from '../../src/seeded-random.ts';

// onnx-proto is CommonJS and Node's ESM loader does not see its named export, so go through default.
const { onnx } = onnxProto;

export interface TinyModelOptions {
  /** Hidden size of the output vectors. Default 64. */
  dim?: number;
  /** Seed of the random token embeddings and mixing matrix. Default 1. */
  seed?: number;
  /** Tokens attended to (tokenizer model_max_length). Default 128. */
  maxTokens?: number;
  /** ModelSpec id. Default `citebot-tiny-d<dim>-s<seed>`. */
  id?: string;
}

const TINY_DEFAULTS = { dim: 64, seed: 1, maxTokens: 128 } as const;

// ---------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------

/** Deterministic draws (src/seeded-random.ts), with Gaussian samples on top. */
export class SeededRandom {
  private readonly draw: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.draw = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Standard normal via Box–Muller (uses both outputs). */
  gaussian(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` Gaussian values with the given standard deviation. */
  gaussianArray(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.gaussian() * std;
    return out;
  }
}

// ---------------------------------------------------------------------------
// ONNX graph building
// ---------------------------------------------------------------------------

export const TensorType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
type Dim = number | string;
type AttrValue = number | number[] | string | { int: number };

function bytesOf(view: ArrayBufferView): Uint8Array {
  // ONNX raw_data is little-endian; every platform Node 20 ships for is little-endian.
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Accumulates nodes, initializers and I/O, then encodes an ONNX ModelProto. */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  /** A fresh, unique value name. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  floatInit(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, dataType: TensorType.FLOAT, rawData: bytesOf(data) });
    return name;
  }

  int64Init(name: string, dims: number[], data: number[]): string {
    const arr = BigInt64Array.from(data.map((v) => BigInt(v)));
    this.initializers.push({ name, dims, dataType: TensorType.INT64, rawData: bytesOf(arr) });
    return name;
  }

  rawInit(name: string, dims: number[], dataType: number, data: ArrayBufferView): string {
    this.initializers.push({ name, dims, dataType, rawData: bytesOf(data) });
    return name;
  }

  /** Adds a node; returns its output names (fresh ones unless `outputs` is given). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs?: string[] | number): string[] {
    const outs = Array.isArray(outputs)
      ? outputs
      : Array.from({ length: outputs ?? 1 }, () => this.fresh(opType.toLowerCase()));
    const attribute = Object.entries(attrs).map(([name, value]) => attr(name, value));
    this.nodes.push({ opType, input: inputs, output: outs, name: this.fresh(`n_${opType}`), attribute });
    return outs;
  }

  /** Single-output node convenience. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(opType, inputs, attrs, output === undefined ? 1 : [output])[0]!;
  }

  encode(opset = 13): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'citebot-test-models',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elemType: number, dims: Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attr(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'object') return { name, type: T.INT, i: value.int };
  // Plain numbers are floats; wrap integers as { int } so the type is explicit at the call site.
  return { name, type: T.FLOAT, f: value };
}

// ---------------------------------------------------------------------------
// Model folder writing
// ---------------------------------------------------------------------------

export interface ModelFolderFiles {
  config: Record<string, unknown>;
  tokenizer: unknown;
  tokenizerConfig: Record<string, unknown>;
  /** Relative path under dir → bytes, e.g. { 'onnx/model.onnx': bytes }. */
  onnx: Record<string, Uint8Array>;
}

/** Writes config.json, tokenizer.json, tokenizer_config.json and the ONNX files into `dir`. */
export async function writeModelFolder(dir: string, files: ModelFolderFiles): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(files.config, null, 2) + '\n');
  await writeFile(
    join(dir, 'tokenizer.json'),
    typeof files.tokenizer === 'string' ? files.tokenizer : JSON.stringify(files.tokenizer) + '\n',
  );
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig, null, 2) + '\n');
  for (const [rel, bytes] of Object.entries(files.onnx)) {
    await writeFile(join(dir, rel), bytes);
  }
}

// ---------------------------------------------------------------------------
// Tiny WordPiece tokenizer
// ---------------------------------------------------------------------------

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
// BertPreTokenizer splits every punctuation character into its own word, so each needs a token.
const PUNCTUATION = `.,;:!?'"()[]{}-_/\\&%$#@*+=<>|~^\`…–—‘’“”£€°`;

const SUFFIXES =
  's es ed d ing ly er ers est ion ions tion tions sion ment ments ness ful less able ible al ally ity ities ize ized izes ise ised ist ists ism ian ians ic ical y ies ied ier iest en ence ency ance ant ent ive ous ship hood ward wards th st nd rd ry ory ary ery ee ees or ors age ages ate ated ates ating man men';

// ~3,000 common English words, plus news vocabulary, so ordinary text mostly maps to whole words
// (and otherwise falls back to suffixes and single characters, never [UNK]).
const WORDS = `the of and to a in is it you that he was for on are with as i his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their time if
will way about many then them write would like so these her long make thing see him two has look more day could go come
did number sound no most people my over know water than call first who may down side been now find any new work part take
get place made live where after back little only round man year came show every good me give our under name very through
just form sentence great think say help low line differ turn cause much mean before move right boy old too same tell does
set three want air well also play small end put home read hand port large spell add even land here must big high such
follow act why ask men change went light kind off need house picture try us again animal point mother world near build
self earth father head stand own page should country found answer school grow study still learn plant cover food sun four
between state keep eye never last let thought city tree cross farm hard start might story saw far sea draw left late run
while press close night real life few north open seem together next white children begin got walk example ease paper group
always music those both mark often letter until mile river car feet care second book carry took science eat room friend
began idea fish mountain stop once base hear horse cut sure watch color colour face wood main enough plain girl usual young
ready above ever red list though feel talk bird soon body dog family direct pose leave song measure door product black
short numeral class wind question happen complete ship area half rock order fire south problem piece told knew pass since
top whole king space heard best hour better true during hundred five remember step early hold west ground interest reach
fast verb sing listen six table travel less morning ten simple several vowel toward war lay against pattern slow center
centre love person money serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly
fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done beauty drive stood
contain front teach week final gave green oh quick develop ocean warm free minute strong special mind behind clear tail
produce fact street inch multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape equate hot
miss brought heat snow tire bring yes distant fill east paint language among grand ball yet wave drop heart am present
heavy dance engine position arm wide sail material size vary settle speak weight general ice matter circle pair include
divide syllable felt perhaps pick sudden count square reason length represent art subject region energy hunt probable bed
brother egg ride cell believe fraction forest sit race window store summer train sleep prove lone leg exercise wall catch
mount wish sky board joy winter sat written wild instrument kept glass grass cow job edge sign visit past soft fun bright
gas weather month million bear finish happy hope flower clothe strange gone jump baby eight village meet root buy raise
solve metal whether push seven paragraph third shall held hair describe cook floor either result burn hill safe cat century
consider type law bit coast copy phrase silent tall sand soil roll temperature finger industry value fight lie beat excite
natural view sense ear else quite broke case middle kill son lake moment scale loud spring observe child straight
consonant nation dictionary milk speed method organ pay age section dress cloud surprise quiet stone tiny climb cool design
poor lot experiment bottom key iron single stick flat twenty skin smile crease hole trade melody trip office receive row
mouth exact symbol die least trouble shout except wrote seed tone join suggest clean break lady yard rise bad blow oil blood
touch grew cent mix team wire cost lost brown wear garden equal sent choose fell fit flow fair bank collect save control
decimal gentle woman captain practice separate difficult doctor please protect noon whose locate ring character insect
caught period indicate radio spoke atom human history effect electric expect crop modern element hit student corner party
supply bone rail imagine provide agree thus capital chair danger fruit rich thick soldier process operate guess necessary
sharp wing create neighbor neighbour wash bat rather crowd corn compare poem string bell depend meat rub tube famous dollar
stream fear sight thin triangle planet hurry chief colony clock mine tie enter major fresh search send yellow gun allow
print dead spot desert suit current lift rose continue block chart hat sell success company subtract event particular deal
swim term opposite wife shoe shoulder spread arrange camp invent cotton born determine quart nine truck noise level chance
gather shop stretch throw shine property column molecule select wrong gray grey repeat require broad prepare salt nose
plural anger claim continent oxygen sugar death pretty skill women season solution magnet silver thank branch match suffix
especially fig afraid huge sister steel discuss forward similar guide experience score apple bought led pitch coat mass
card band rope slip win dream evening condition feed tool total basic smell valley nor double seat arrive master track
parent shore division sheet substance favor favour connect post spend chord fat glad original share station dad bread
charge proper bar offer segment slave duck instant market degree populate chick dear enemy reply drink occur support speech
nature range steam motion path liquid log meant quotient teeth shell neck
government president minister police official officials security forces military army protest protests protesters
unrest crisis election elections vote voters parliament party parties leader leaders opposition spokesman spokeswoman
statement report reports reported according news agency press conference interview analyst analysts economy economic
inflation prices price fuel gas oil energy bank banks central finance financial market markets stock stocks shares
investor investors trade deal deals agreement talks negotiations sanctions foreign affairs international national local
regional global domestic public private sector companies business businesses industry industrial workers union strike
jobs unemployment growth rate rates percent per cent billion millions dollars euros pounds budget tax taxes spending debt
court judge trial case charges charged accused arrested arrest detained detention prison jail sentence sentenced crime
criminal investigation investigators evidence lawyer lawyers rights human freedom democracy democratic republic republican
kingdom empire capital province district county village community residents citizens population migrants refugees
border borders troops soldiers attack attacks attacked killed injured wounded dead deaths died victims violence violent
clashes fighting fighters rebels terrorist terrorism bomb explosion fire shooting shot weapons missile missiles war peace
ceasefire conflict invasion occupation withdrawal operation operations emergency state curfew internet communications
social media online digital technology tech software data computer computers phone phones mobile network networks service
services users platform platforms website site video videos images photo photos camera television tv radio newspaper
health hospital hospitals patients doctors nurses medical medicine disease virus pandemic vaccine vaccines vaccination
covid coronavirus infections cases tests testing outbreak symptoms treatment care climate change environment
environmental emissions carbon pollution warming temperatures storm storms flood floods flooding drought earthquake
hurricane disaster rescue aid humanitarian relief charity education schools universities university students teachers
research scientists study studies science space mission launch satellite rocket football soccer match league cup final
championship tournament season coach players player club clubs fans goal goals scored win won victory defeat draw
olympic olympics team teams sport sports athletes race title record champion history historic culture film music
festival art museum book author writer artist actor actress singer show series january february march april may june
july august september october november december monday tuesday wednesday thursday friday saturday sunday today yesterday
tomorrow week weeks month months year years decade decades century centuries morning afternoon evening night hours
minutes seconds days ago later earlier recent recently since until during despite however although because therefore
meanwhile also already still yet just only even perhaps likely unlikely possible impossible important major minor key
main senior former current new old young older younger largest biggest highest lowest first second third last next
previous several many much few more most less least number numbers amount total average rise rising fell falling drop
increase increased decrease decreased higher lower million thousand hundred dozen half quarter one two three four five
six seven eight nine ten eleven twelve twenty thirty forty fifty sixty seventy eighty ninety
america american americans europe european asia asian africa african china chinese russia russian russians india indian
japan japanese korea korean britain british england english france french germany german italy italian spain spanish
canada canadian australia australian brazil mexico turkey turkish iran iranian iraq israel israeli palestinian gaza
ukraine ukrainian syria syrian egypt saudi arabia pakistan afghanistan kazakhstan central eastern western northern
southern united states nations union washington london paris beijing moscow berlin tokyo delhi brussels york new
council committee commission department ministry agency office authority authorities administration cabinet congress
senate house representative representatives mayor governor prime king queen prince princess chancellor ambassador
general director chairman chief executive ceo manager head member members staff officer officers spokesperson
said says say told tells asked added noted called calls warned warning urged announced announce announcement confirmed
denied claimed claims described described insisted suggested believed expected expects plans planned decided agreed
refused rejected approved passed signed launched began begun started ended continued remained became become make makes
made take takes took taken give gives given get gets got gotten go goes going gone come comes coming came see seen saw
know known knew think thought want wanted use used using find found leave left put puts call keep kept let lets help
helped show showed shown try tried turn turned move moved live lived believe bring brought happen happened write wrote
written provide provided sit stand lose lost pay paid meet met include included including run ran set learn learned
lead led understand understood watch watched follow followed stop stopped create created speak spoke spoken read allow
allowed spend spent grow grew grown open opened walk walked win offer offered remember consider considered appear
appeared buy bought wait waited serve served die send sent expect build built stay stayed fall fell cut reach reached
kill remain suggest raise raised pass sell sold require required report decide pull pulled
is are was were be been being am has have had having do does did doing done can could will would shall should may might
must not no yes never always sometimes often usually very really quite too so such than then there here where when
why how what which who whom whose whatever whoever whether if unless because while though although after before above
below between among through throughout into onto upon within without against along across around behind beyond toward
towards under over about off out up down away back forward again once twice each every either neither both all any
some none nothing something anything everything someone anyone everyone nobody somebody everybody this that these those
it its itself he him his himself she her hers herself they them their theirs themselves we us our ours ourselves you
your yours yourself i me my mine myself one ones other others another same different such own own
man men woman women child children boy boys girl girls family families mother father parents son daughter brother sister
husband wife friend friends people person persons group groups member public crowd crowds
good bad better worse best worst great small large big little long short high low old new young early late right wrong
true false real full empty easy hard difficult simple clear free open closed strong weak rich poor happy sad safe
dangerous serious severe heavy light dark bright hot cold warm cool wet dry clean dirty quick fast slow quiet loud
official unofficial political politics policy policies legal illegal military civilian civil peaceful armed nuclear
special general certain sure likely available able unable ready responsible free fair final whole entire
water food bread rice meat milk coffee tea wine beer fruit vegetables wheat grain harvest crop crops farmers farm farms
land field fields soil rain weather wind sun snow ice river rivers lake sea ocean coast beach island mountain mountains
hill valley forest road roads street streets bridge bridges tunnel railway train trains station airport flight flights
plane planes ship ships port harbour harbor car cars bus buses traffic transport travel tourists tourism hotel
building buildings house houses home homes apartment office offices factory factories shop shops store stores
restaurant church mosque temple school hospital prison square park center centre city cities town towns area areas
region regions country countries world nation continent
closure closed reopen reopened repairs repair maintenance engineers construction project projects contract contracts
cost costs funding fund funds investment investments loan loans profit profits revenue sales loss losses
information details detail issue issues problem problems question questions answer answers reason reasons result results
effect effects impact impacts situation conditions condition level levels risk risks threat threats concern concerns
fear fears hope hopes support opposition criticism critics response reaction pressure demand demands request requests
decision decisions action actions measure measures step steps plan plans policy program programme programs
system systems process services rules rule law laws act bill bills vote votes power control order orders
coup attempt attempted mourning mourn independent independence unrest historic riot riots looting looted chaos calm
stability stable restore restored order troops peacekeepers alliance treaty organisation organization collective
president's country's government's people's city's world's company's
ability absence academic accept accepted access accident account accounts accurate achieve achieved acquire across active
activist activists activity actual actually address addressed adequate adjust admit admitted adopt adopted adult adults
advance advanced advantage advice advise adviser advisers advocate affect affected afford agenda aggressive agreed
agreements ahead aim aimed aircraft alarm album alert alive allegation allegations alleged allegedly allies ally almost
alone alongside alternative amid amendment ancient angry announcing annual anonymous anticipated anxiety apart apparent
apparently appeal appeals appeared appearance application applications apply appointed approach appropriate approval
approve approximately arena argue argued argument arms arrangement arrival arrived article articles aside aspect assault
assembly assess assessment asset assets assistance assistant associated association assume attached attempts attend
attended attention attitude attorney audience authorities automatic autumn avenue avoid award awarded aware awareness
background balance ballot ban banned banking barrier barriers basis battle bay behavior behaviour bench benefit benefits
bid billion birth blamed blast block blocked boost border boss bottle bound boundary brain brand breach breaking brief
briefly broadcast broken budget burden bureau buried cable campaign campaigners campaigns cancer candidate candidates
capacity capture carbon career carried cash category cause caused causing caution celebrate celebration chain chair
chairman challenge challenges champion channel chapter characters charity cheap chemical chemicals choice chosen
circumstances cited citizen citizenship civilians claimed clash clause climb clinic clinical closely closing coalition
code collapse collapsed colleague colleagues collection college combat combination combined comment comments commercial
commissioner commit commitment committed communication comparison compensation competition complaint complaints
completed complex components comprehensive compromise concept concerned concert conclusion concluded conduct conducted
conference confidence confident confirm conflicts confrontation congressional connection consequences conservative
considerable consistent constant constitution constitutional construction consumer consumers contact contest context
contracts contrast contribute contribution controversial controversy convention conversation convicted conviction
cooperation coordinator copies core corporate correspondent corruption counter counties couple courage courts cover
coverage covered crash credit crew crimes critical criticised criticized crucial cultural currency currently customer
customers cuts cycle daily damage damaged database dated dealing debate decline declined declared defence defend defense
deficit define definition delay delayed delegation deliver delivered delivery demanded demonstration demonstrators
deny departure deployed deputy describe design designed desire destroy destroyed destruction detailed detect developed
developing development device devices diplomat diplomatic diplomats direction directly disaster discovered discovery
discussion discussions dismissed display dispute distance distribution districts diverse document documents domestic
dominant donations double downtown drama dramatic draft driver drivers driving drug drugs due duty eastern economist
economists economies edition editor effective efficient effort efforts elderly elected electoral electricity elite
emerged emerging emphasis employ employee employees employer employment enable encourage encouraged ending enforcement
engage engineering enormous ensure entered entirely entry episode equipment era escape essential established estate
estimate estimated estimates ethnic evacuated evacuation evening eventually everyday evidence exactly examination examine
exchange excluded executive exercise exhibition exist existing expand expansion expected expenses expensive experts
explain explained explosion export exports exposed exposure express extend extended extension extent external extra
extreme extremely facilities facility facing factor factors failed failure faith false fans farmer fashion fatal favourite
federal fee feeling fees fellow female fighter figures filed filing finally finding findings fired firm firms fiscal
fishing flag fled flee fleet focus focused followers following forced forecast formal formally formed formula fought
foundation founded founder fraud frequently friday front fuel fully function funeral further future gained gallery
gap gathered gender generation generous giant goods governing grants grave greater greatly growing guard guards guidance
guilty gunman guns handed handle hardly headquarters healthy hearing heavily height helicopter heritage hidden highlighted
highly highway hire hit holding holiday holidays honour horror host hostage hosted household households housing huge
ideas identified identity image immediate immediately immigrants immigration implement implemented importance imports
imposed improve improved improvement incident incidents income increasing increasingly independence index indicated
individual individuals infection inflation influence informed infrastructure initial initially initiative injuries injury
inquiry inside insisted inspection instance instead institute institution institutions insurance intelligence intended
intense intention interests interim internal interviewed introduce introduced invest invested investigate investigated
invited involved involvement involving islamic isolated item items jailed journalist journalists journey judges judgment
jury justice juvenile label labour lack landmark landscape largely launch lawmakers lawsuit layer leadership leading
leak learning lease leaving lecture legislation legislative legitimate lending letters liberal library licence license
lifted limit limited limits lines link linked lists literature living loans lobby located location locations lockdown
losing loyal luxury machines magazine mainly maintain maintained majority male managed management managing mandate
manufacturing marked marriage massive matches maximum meaning meanwhile mechanism medal media meeting meetings memory
mental mention mentioned merely message messages met middle midnight migration mild militants milestone minimum minority
mission missing mistake mixed model models moderate modest monitor monitoring moral mortgage motor movement movements
murder museum musical muslim mutual mystery narrow native naval navy nearby nearly negative neighbourhood neighborhood
neither nervous newly nominated nomination normal normally notably noted nurse objective obligation observers obtained
obvious obviously occasion occupied occurred offence offensive offered offering officially ongoing operating operator
opinion opponents opportunity opposed option options ordinary organised organized organisers origin outcome outside
overall overnight owned owner owners ownership pace package pages paid pain panel parade parking parliamentary partly
partner partners partnership passage passengers passing passport patient pattern peak penalty pension percentage
perfect performance performed permanent permission permit personal personnel perspective petition phase physical pilot
pilots pipeline planning players pleaded pledge pledged plot poll polls pool popular portion positive possibility
possibly potential potentially poverty powerful practical practices praised precisely predicted preparing presence
presidency presidential pressures prevent prevented previously primarily primary principal principle principles prior
priority prisoners privacy prize probably procedure proceedings produced producer producers production professional
professor profile programme progress prominent promise promised promote promoted prompted proof proposal proposals
proposed prosecution prosecutor prosecutors prospect protected protection protein proud proved province provinces
provision publication publicly published purchase purpose pursue quality quarter quickly racial raid raids rally
random rank ranked rapid rapidly rarely rating reaching reactor readers reality realise realize receiving recession
recognise recognition recognize recommended recorded recording recover recovered recovery recruit reduce reduced
reduction reference reform reforms refuse refugee regime register registered regular regulation regulations regulator
regulators related relations relationship relatively release released relevant reliable religion religious rely remains
remarks remote removal remove removed rent repeated replace replaced replacement reporter reporters representing
republicans reputation requirement requirements rescued researcher researchers reserve reserves resident residential
resign resigned resignation resistance resolution resolve resort resources respect respond responded responsibility
restaurant restrictions retail retain retire retired retirement return returned returning revealed revenue review
revolution reward ridge rival rivals rocket role roles rose route routine royal ruled ruling rural sacked safety salary
sample satellite saved saving savings scandal scene scheduled scheme scholar scientific screen sea seats secret
secretary seek seeking seized selected selection seller senator sending senior sense sensitive sentenced separate
sequence session settled settlement severe shadow shape shared sharing shelter shift shock shooting shortage shortly
shots signal signed significant significantly signing silence similar simply sites situation slightly smaller smoke
soldier solar solid somewhat sought source sources sovereign spokesman sponsor spread squad stability stadium stake
stance standard standards standing statements stated statistics status steady stepped stocks stolen storage strategic
strategy strength strengthen stress strict strike strikes structure struggle struggling studio style subsequent
substantial succeed successful successfully suffered suffering sufficient suicide summit super supplies supported
supporter supporters supporting supposed supreme surge surgery surrounding survey survival survive survived survivors
suspect suspected suspects suspended suspension sustainable symbol sympathy talent talking target targeted targets task
taxpayers teaching technical technique techniques teenage teenager television temporary tenant tension tensions terms
territory testimony thanks theatre theme theory therapy thereby thin threatened threatening ticket tickets tight tonight
topic tough tour toward tower toxic track tracks trading tradition traditional traffic tragedy trained training transfer
transition transparency trend trends trials tribunal troubled trust truth typical typically ultimately uncertainty
unclear understanding unemployed unique unit universal unknown unusual upcoming update upper upset urban urgent urging
useful user usual valuable variety various vast vehicle vehicles venture venue verdict version veteran veterans via
vice victim video view views violation violations visa visible vision visited visitors visits vital volume voluntary
volunteers voter voting vulnerable wage wages wake walking warned warns waste weak wealth wealthy weapon website weekend
weekly welfare whereas widely widespread wildlife willing winner winners winning wireless withdraw witness witnesses
wondering worker workforce working workplace worldwide worried worry worse worth wounded yards yield zone zones
`;

function tinyVocab(): string[] {
  const seen = new Set<string>();
  const vocab: string[] = [];
  const add = (t: string): void => {
    if (t.length > 0 && !seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  SPECIAL_TOKENS.forEach(add);
  for (const c of CHARS + PUNCTUATION) add(c);
  for (const c of CHARS) add(`##${c}`);
  for (const s of SUFFIXES.split(/\s+/)) add(`##${s}`);
  // Words containing punctuation (e.g. "people's") can never survive BertPreTokenizer, so skip them.
  for (const w of WORDS.split(/\s+/)) if (/^[a-z0-9]+$/.test(w)) add(w);
  return vocab;
}

function tinyTokenizerJson(vocab: string[]): unknown {
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => (ids[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: true,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

/** tokenizer_config.json for a BERT uncased tokenizer truncating at `maxTokens`. */
export function bertTokenizerConfig(maxTokens: number): Record<string, unknown> {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    do_basic_tokenize: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    model_max_length: maxTokens,
    padding_side: 'right',
    truncation_side: 'right',
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
}

// ---------------------------------------------------------------------------
// Tiny encoder graph
// ---------------------------------------------------------------------------

/**
 * last_hidden_state = (e + tanh(e · W)) * mask, with e = E[input_ids].
 * Position-independent, so mean pooling gives a bag-of-tokens vector: texts sharing words score
 * higher cosine, and padding cannot change a text's vector.
 */
function tinyGraph(vocabSize: number, dim: number, seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const emb = rng.gaussianArray(vocabSize * dim, 1);
  // [CLS]/[SEP] appear in every text; shrink them so they do not pull all vectors together.
  for (const id of [2, 3]) for (let k = 0; k < dim; k++) emb[id * dim + k]! *= 0.2;
  const mix = rng.gaussianArray(dim * dim, 1 / Math.sqrt(dim));

  const g = new GraphBuilder('citebot_tiny_encoder');
  g.input('input_ids', TensorType.INT64, ['batch', 'sequence']);
  g.input('attention_mask', TensorType.INT64, ['batch', 'sequence']);
  g.output('last_hidden_state', TensorType.FLOAT, ['batch', 'sequence', dim]);
  g.floatInit('embeddings.word', [vocabSize, dim], emb);
  g.floatInit('mix.weight', [dim, dim], mix);
  g.int64Init('axes_last', [1], [-1]);

  const e = g.op('Gather', ['embeddings.word', 'input_ids'], { axis: { int: 0 } });
  const t = g.op('Tanh', [g.op('MatMul', [e, 'mix.weight'])]);
  const h = g.op('Add', [e, t]);
  const mask = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], { to: { int: TensorType.FLOAT } }), 'axes_last']);
  g.op('Mul', [h, mask], {}, 'last_hidden_state');
  return g.encode(13);
}

/**
 * Writes a small BERT-type model folder (WordPiece tokenizer.json written by hand + ONNX graph)
 * into `dir`; returns its ModelSpec (pooling 'mean'). Deterministic: same options → same bytes.
 */
export async function createTinyModel(dir: string, options: TinyModelOptions = {}): Promise<ModelSpec> {
  const { dim, seed, maxTokens } = { ...TINY_DEFAULTS, ...options };
  const id = options.id ?? `citebot-tiny-d${dim}-s${seed}`;
  const vocab = tinyVocab();
  await writeModelFolder(dir, {
    config: {
      architectures: ['BertModel'],
      model_type: 'bert',
      hidden_size: dim,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: dim,
      vocab_size: vocab.length,
      max_position_embeddings: maxTokens,
      type_vocab_size: 1,
      pad_token_id: 0,
      hidden_act: 'tanh',
      layer_norm_eps: 1e-12,
    },
    tokenizer: tinyTokenizerJson(vocab),
    tokenizerConfig: bertTokenizerConfig(maxTokens),
    onnx: { 'onnx/model.onnx': tinyGraph(vocab.length, dim, seed) },
  });
  return { id, dir, quantized: false, pooling: 'mean', maxTokens };
}

/** Vocabulary of the tiny tokenizer, in id order (exposed for tests). */
export function tinyModelVocabulary(): readonly string[] {
  return tinyVocab();
}

// ---------------------------------------------------------------------------
// Tiny cross-encoder (re-ranker)
// ---------------------------------------------------------------------------

/**
 * logits = (question tokens among `question`) × 6 (passage tokens among `passage`) − 3: a pair
 * scores high exactly when the question holds one of the question words and the passage one of
 * the passage words ("arrested" → "detained"). A stand-in for an MS MARCO re-ranker whose
 * verdicts a test can predict.
 */
function tinyCrossEncoderGraph(vocab: readonly string[], words: CrossEncoderWords): Uint8Array {
  const weightsOf = (list: readonly string[], weight: number): Float32Array => {
    const weights = new Float32Array(vocab.length);
    for (const word of list) {
      const id = vocab.indexOf(word);
      if (id < 0) throw new Error(`"${word}" is not in the tiny vocabulary`);
      weights[id] = weight;
    }
    return weights;
  };
  const g = new GraphBuilder('citebot_tiny_cross_encoder');
  g.input('input_ids', TensorType.INT64, ['batch', 'sequence']);
  g.input('attention_mask', TensorType.INT64, ['batch', 'sequence']);
  g.input('token_type_ids', TensorType.INT64, ['batch', 'sequence']);
  g.output('logits', TensorType.FLOAT, ['batch', 1]);
  g.floatInit('question.weight', [vocab.length], weightsOf(words.question, 1));
  g.floatInit('passage.weight', [vocab.length], weightsOf(words.passage, 6));
  g.floatInit('relevance.bias', [1], new Float32Array([-3]));
  g.floatInit('one', [1], new Float32Array([1]));
  g.int64Init('axes_sequence', [1], [1]);
  const inPassage = g.op('Cast', ['token_type_ids'], { to: { int: TensorType.FLOAT } });
  const inQuestion = g.op('Sub', ['one', inPassage]);
  const attended = g.op('Cast', ['attention_mask'], { to: { int: TensorType.FLOAT } });
  const count = (weights: string, part: string): string =>
    g.op(
      'ReduceSum',
      [
        g.op('Mul', [g.op('Mul', [g.op('Gather', [weights, 'input_ids'], { axis: { int: 0 } }), part]), attended]),
        'axes_sequence',
      ],
      { keepdims: { int: 1 } },
    );
  const both = g.op('Mul', [count('question.weight', inQuestion), count('passage.weight', inPassage)]);
  if (words.maxPositions === undefined) {
    g.op('Add', [both, 'relevance.bias'], {}, 'logits');
    return g.encode(13);
  }
  // Room left in the window, as a tensor shape: a longer input makes it negative and ONNX Runtime
  // refuses the run, as a real model refuses positions past its table.
  g.int64Init('window', [1], [words.maxPositions]);
  g.int64Init('sequence_axis', [1], [1]);
  const length = g.op('Gather', [g.op('Shape', ['input_ids']), 'sequence_axis'], { axis: { int: 0 } });
  const room = g.op('ConstantOfShape', [g.op('Sub', ['window', length])]);
  const nothing = g.op('ReduceSum', [g.op('Cast', [room], { to: { int: TensorType.FLOAT } })], {
    keepdims: { int: 1 },
  });
  g.op('Add', [g.op('Add', [both, 'relevance.bias']), nothing], {}, 'logits');
  return g.encode(13);
}

export interface CrossEncoderWords {
  /** Words of which the question must hold one… */
  question: readonly string[];
  /** …and the passage one, for the pair to be relevant. */
  passage: readonly string[];
  /** Longest input (question and passage, in tokens) the model accepts; longer ones fail. */
  maxPositions?: number;
}

/** Writes a BertForSequenceClassification folder that Transformers.js loads as a re-ranker. */
export async function createTinyCrossEncoder(
  dir: string,
  options: CrossEncoderWords & { maxTokens?: number },
): Promise<string> {
  const vocab = tinyVocab();
  const maxTokens = options.maxTokens ?? 128;
  await writeModelFolder(dir, {
    config: {
      architectures: ['BertForSequenceClassification'],
      model_type: 'bert',
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: 8,
      vocab_size: vocab.length,
      max_position_embeddings: maxTokens,
      type_vocab_size: 2,
      num_labels: 1,
      id2label: { 0: 'LABEL_0' },
      label2id: { LABEL_0: 0 },
      pad_token_id: 0,
    },
    tokenizer: tinyTokenizerJson(vocab),
    tokenizerConfig: bertTokenizerConfig(maxTokens),
    onnx: { 'onnx/model.onnx': tinyCrossEncoderGraph(vocab, options) },
  });
  return dir;
}
