/**
 * The persons, countries and organizations an article names, each matched against the knowledge base
 * (by name, alias, surname or office) or drafted as new, with every place the article names them.
 */
import type { OrganizationKind } from '../../kb/records.js';
import { foldText } from '../../kb/text.js';
import { lookUpCountry, type CountryMatch } from './countries.js';
import { foldName, type KbIndex } from './kb-index.js';
import {
  ALLIANCE_HEADS, DEPARTMENT_HEADS, FEMALE_WORDS, isCalendarPhrase, MALE_WORDS, MILITANT_HEADS, NEWS_OUTLET_HEADS, ORGANIZATION_HEADS, ROLE_HEADS,
} from './lexicon.js';
import { isOfficeOnly, nameChunks, normaliseTitle, parseTitle, type NameChunk } from './names.js';
import type { Span } from './plain-text.js';
import type { Analysis, Token } from './tokens.js';

export type EntityType = 'person' | 'country' | 'organization' | 'event';

export interface Ref {
  type: EntityType;
  key: string;
}

export interface Mention extends Span {
  ref: Ref;
}

export interface RoleDraft {
  title: string;
  statedAs?: string;
  countryKey?: string;
  organizationKey?: string;
  evidence: Span;
}

export type Gender = 'male' | 'female';

export interface PersonDraft {
  key: string;
  name: string | null;
  label?: string;
  existingId?: string;
  matchedBy?: string;
  roles: RoleDraft[];
  aliases: Set<string>;
  mentions: Span[];
  gender?: Gender;
  age?: number;
  /** Appositions that describe the person ("a former Norwegian prime minister"): later descriptions can refer to them. */
  descriptions: string[];
  /** Why the draft thinks this is a person and this record, for the review. */
  reasons: string[];
}

export interface CountryDraft {
  key: string;
  name: string;
  /** Names the text uses that differ from `name` ("Turkey" for Türkiye); demonyms and capitals are not names. */
  aliases: Set<string>;
  isoAlpha2?: string;
  isoAlpha3?: string;
  existingId?: string;
  matchedBy?: string;
  mentions: Span[];
}

export interface OrganizationDraft {
  key: string;
  name: string;
  kind?: OrganizationKind;
  existingId?: string;
  matchedBy?: string;
  aliases: Set<string>;
  mentions: Span[];
  countryKey?: string;
}

function kindOfOrganization(name: string): OrganizationKind {
  const last = foldText(name).split(/\s+/).pop() ?? '';
  if (NEWS_OUTLET_HEADS.has(last)) return 'NEWS_OUTLET';
  if (DEPARTMENT_HEADS.has(last)) return 'GOVERNMENT_DEPARTMENT';
  if (MILITANT_HEADS.has(last)) return 'MILITANT_GROUP';
  if (last === 'coalition') return 'COALITION';
  if (ALLIANCE_HEADS.has(last)) return 'ALLIANCE';
  return 'INTERGOVERNMENTAL_FORUM';
}

function isAcronym(text: string): boolean {
  // Acronyms are short; a longer word in capitals is a dateline ("HAMBURG —") or emphasis.
  return /^[A-Z][A-Z0-9&]{1,4}$/.test(text.replace(/\./g, ''));
}

const PERSON_TAGS = ['Person', 'FirstName', 'LastName', 'MaleName', 'FemaleName', 'Honorific'];
const PLACE_TAGS = ['Place', 'City', 'Region', 'Country'];

export class Entities {
  readonly persons = new Map<string, PersonDraft>();
  readonly countries = new Map<string, CountryDraft>();
  readonly organizations = new Map<string, OrganizationDraft>();
  readonly mentions: Mention[] = [];
  private readonly covered: Span[] = [];
  /** Words compromise tags as a place (and never as an organization) somewhere in the article, folded. */
  private readonly placeWords = new Set<string>();
  /** Person mentions whose appositions ("…, the spokeswoman for NATO,") have been read. */
  private readonly appositionsRead = new Set<string>();

  constructor(
    private readonly kb: KbIndex,
    private readonly text: string,
    private readonly publishedOn: string | undefined,
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Registering

  country(match: CountryMatch, span: Span, words: string): CountryDraft {
    const existing = this.kb.countryByIso2(match.country.isoAlpha2) ?? this.kb.lookUp(words, ['country']).map((h) => this.kb.countries.get(h.id)!)[0];
    const key = existing?.id ?? match.country.isoAlpha2;
    let draft = this.countries.get(key);
    if (!draft) {
      draft = {
        key,
        name: existing?.name ?? match.country.name,
        isoAlpha2: match.country.isoAlpha2,
        isoAlpha3: match.country.isoAlpha3,
        aliases: new Set(),
        mentions: [],
        ...(existing ? { existingId: existing.id, matchedBy: `${match.by} "${words}" (ISO ${match.country.isoAlpha2})` } : {}),
      };
      this.countries.set(key, draft);
    }
    const form = words.replace(/[’']s$/, '');
    if ((match.by === 'name' || match.by === 'alias') && foldName(form) !== foldName(draft.name) && !/^[A-Z.]{2,5}$/.test(form)) draft.aliases.add(form);
    this.addMention(draft.mentions, span, { type: 'country', key });
    return draft;
  }

  organization(name: string, span: Span, kbId?: string, matchedBy?: string): OrganizationDraft {
    const hit = kbId ? { id: kbId } : this.kb.lookUp(name, ['organization'])[0];
    const known = [...this.organizations.values()].find((o) => (hit && o.existingId === hit.id) || foldName(o.name) === foldName(name) || o.aliases.has(foldName(name)));
    let draft = known;
    if (!draft) {
      const record = hit ? this.kb.organizations.get(hit.id) : undefined;
      draft = {
        key: record?.id ?? `org:${foldName(name)}`,
        name: record?.name ?? name,
        aliases: new Set(),
        mentions: [],
        ...(record ? { existingId: record.id, matchedBy: matchedBy ?? `name "${name}"` } : { kind: this.describedAsOutlet(span) ? 'NEWS_OUTLET' : kindOfOrganization(name) }),
      };
      this.organizations.set(draft.key, draft);
    }
    if (foldName(draft.name) !== foldName(name)) draft.aliases.add(name);
    this.addMention(draft.mentions, span, { type: 'organization', key: draft.key });
    return draft;
  }

  /** "the Italian news agency Notizie Rapide", "the newspaper X": the words before a name say it is an outlet. */
  private describedAsOutlet(span: Span): boolean {
    return /\b(?:news agency|agency|newspaper|daily|broadcaster|channel|outlet|magazine|wire service|radio|television)\s+$/i.test(this.text.slice(Math.max(0, span.start - 40), span.start));
  }

  /** A named person: matched by full name, then by surname, in the draft first and then in the knowledge base. */
  person(name: string, span: Span, tokens: readonly Token[] = []): PersonDraft {
    const folded = foldName(name);
    const words = folded.split(' ');
    let draft = [...this.persons.values()].find((p) => p.name && (foldName(p.name) === folded || p.aliases.has(folded)));
    if (!draft && words.length === 1) {
      const bySurname = [...this.persons.values()].filter((p) => p.name && foldName(p.name).split(' ').pop() === folded);
      if (bySurname.length === 1) draft = bySurname[0];
    }
    if (!draft && words.length > 1) {
      // "Ivathornaaek" drafted alone (from a later "Ivathornaaek said") before the full name was read: the same new person.
      const surnameOnly = [...this.persons.values()].filter((p) => p.name && !p.existingId && foldName(p.name) === words[words.length - 1]);
      if (surnameOnly.length === 1 && !this.kb.lookUp(name, ['person'])[0]) {
        draft = surnameOnly[0]!;
        draft.aliases.add(draft.name!);
        draft.name = name;
      }
    }
    if (!draft) {
      const hit = this.kb.lookUp(name, ['person'])[0];
      const record = hit ? this.kb.persons.get(hit.id) : words.length === 1 ? this.kb.personBySurname(name) : undefined;
      const matchedBy = hit ? `${hit.by} "${hit.form}"` : record ? `surname "${name}" (the only person in the knowledge base with it)` : undefined;
      const existingDraft = record && [...this.persons.values()].find((p) => p.existingId === record.id);
      if (existingDraft) draft = existingDraft;
      else {
        draft = {
          key: record?.id ?? `person:${folded}`,
          name: record ? record.name : name,
          roles: [],
          aliases: new Set(),
          mentions: [],
          reasons: [],
          descriptions: [],
          ...(record ? { existingId: record.id, matchedBy } : {}),
        };
        this.persons.set(draft.key, draft);
      }
    }
    if (draft.name && foldName(draft.name) !== folded) draft.aliases.add(name);
    const first = tokens.find((t) => t.tags.has('MaleName') || t.tags.has('FemaleName'));
    if (!draft.gender && first) draft.gender = first.tags.has('MaleName') ? 'male' : 'female';
    this.addMention(draft.mentions, span, { type: 'person', key: draft.key });
    return draft;
  }

  /** An unnamed person ("a State Department official"): one per label in the article. */
  unnamedPerson(label: string, span: Span): PersonDraft {
    const folded = foldName(label);
    let draft = [...this.persons.values()].find((p) => p.name === null && p.label && foldName(p.label) === folded);
    if (!draft) {
      // The knowledge base's unnamed persons are matched by their label's words ("State Department official (unnamed)").
      const labelWords = new Set(folded.split(' '));
      const record = this.kb.unnamedPersonsLabelled(labelWords)[0];
      draft = {
        key: record?.id ?? `unnamed:${folded}`,
        name: null,
        label,
        roles: [],
        aliases: new Set(),
        mentions: [],
        reasons: [],
        descriptions: [],
        ...(record ? { existingId: record.id, matchedBy: `label "${record.label}"` } : {}),
      };
      this.persons.set(draft.key, draft);
    }
    this.addMention(draft.mentions, span, { type: 'person', key: draft.key });
    return draft;
  }

  private addMention(list: Span[], span: Span, ref: Ref): void {
    if (!list.some((s) => s.start === span.start)) list.push({ start: span.start, end: span.end });
    if (!this.mentions.some((m) => m.start === span.start && m.ref.key === ref.key)) this.mentions.push({ start: span.start, end: span.end, ref });
    this.covered.push(span);
  }

  /**
   * Whether `words` name a place and nothing else: a capital (world-countries) or words compromise tags as a
   * place in this article ("Milan", "LYON" in a dateline). A place is never an organization or a person.
   */
  isPlace(words: string): boolean {
    const folded = foldName(words);
    if (folded.length === 0) return false;
    if (lookUpCountry(words)?.by === 'capital') return true;
    return folded.split(' ').every((w) => this.placeWords.has(w));
  }

  /** Whether a calendar word still names a person: the surname of someone the article names in full ("May" after "Theresa May"). */
  calendarWordOfNamedPerson(words: string): boolean {
    return !/\s/.test(words.trim()) && this.knownSurname(words);
  }

  isCovered(span: Span): boolean {
    return this.covered.some((c) => c.start < span.end && span.start < c.end);
  }

  /** Mentions sorted by position. */
  sortedMentions(): Mention[] {
    return [...this.mentions].sort((a, b) => a.start - b.start || b.end - a.end);
  }

  refersTo(ref: Ref): PersonDraft | CountryDraft | OrganizationDraft | undefined {
    if (ref.type === 'person') return this.persons.get(ref.key);
    if (ref.type === 'country') return this.countries.get(ref.key);
    if (ref.type === 'organization') return this.organizations.get(ref.key);
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Recognising

  /** Finds every person, country and organization the text names (outside `skip`). */
  recognise(analysis: Analysis, skip: readonly Span[]): void {
    for (const token of analysis.tokens) {
      if (PLACE_TAGS.some((tag) => token.tags.has(tag)) && !token.tags.has('Organization') && !PERSON_TAGS.some((tag) => token.tags.has(tag))) this.placeWords.add(foldName(token.text));
    }
    // A word compromise reads as a person or organization elsewhere in the article is not only a place.
    for (const token of analysis.tokens) if (token.tags.has('Organization') || PERSON_TAGS.some((tag) => token.tags.has(tag))) this.placeWords.delete(foldName(token.text));
    this.scanKnowledgeBase(skip);
    const chunks = nameChunks(analysis, this.text).filter((c) => !skip.some((s) => c.start < s.end && s.start < c.end));
    // Full names first, so that "Kerry" in the headline finds "John Kerry" drafted from the body.
    const multi = chunks.filter((c) => c.tokens.length > 1);
    const single = chunks.filter((c) => c.tokens.length === 1);
    for (const chunk of [...multi, ...single]) this.classify(chunk, analysis.tokens);
    this.appositives();
  }

  /** Every capitalised name or alias of the knowledge base, wherever the text prints it. */
  private scanKnowledgeBase(skip: readonly Span[]): void {
    const folded = foldText(this.text);
    // foldText keeps length for the text's characters in practice (accents are dropped after NFD, then NFC recomposes);
    // a match is only used when the original slice folds to the same words.
    for (const { hit, needle } of this.kb.scanNeedles(this.text)) {
      if (hit.kind === 'event') continue;
      for (let at = folded.indexOf(needle); at !== -1; at = folded.indexOf(needle, at + 1)) {
        const span = { start: at, end: at + hit.form.length };
        if (!isWordBoundary(this.text, span) || foldText(this.text.slice(span.start, span.end)) !== needle) continue;
        if (skip.some((s) => span.start < s.end && s.start < span.end) || this.isCovered(span)) continue;
        const matchedBy = `${hit.by} "${hit.form}"`;
        if (hit.kind === 'person') {
          // Found by the words the article prints, so matchedBy says which name or alias it was.
          const draft = this.person(this.text.slice(span.start, span.end), span);
          draft.matchedBy ??= matchedBy;
        } else if (hit.kind === 'organization') this.organization(this.text.slice(span.start, span.end), span, hit.id, matchedBy);
        else if (hit.kind === 'country') this.knownCountry(hit.id, span, matchedBy);
      }
    }
  }

  private affiliationOf(tokens: readonly Token[]): { country?: CountryDraft; organization?: OrganizationDraft } | undefined {
    const words = this.text.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end);
    const span = { start: tokens[0]!.start, end: tokens[tokens.length - 1]!.end };
    const kbHit = this.kb.lookUp(words, ['organization', 'country'])[0];
    if (kbHit?.kind === 'organization') return { organization: this.organization(words, span, kbHit.id, `${kbHit.by} "${kbHit.form}"`) };
    const country = lookUpCountry(words);
    if (country && country.by !== 'capital') return { country: this.country(country, span, words) };
    if (kbHit?.kind === 'country') return { country: this.knownCountry(kbHit.id, span, `${kbHit.by} "${kbHit.form}"`) };
    const last = tokens[tokens.length - 1]!.text.toLowerCase();
    if (!ORGANIZATION_HEADS.has(last) && (this.isPlace(words) || isCalendarPhrase(words))) return undefined;
    if (ORGANIZATION_HEADS.has(last) || (tokens.length === 1 && isAcronym(words)) || kbHit) return { organization: this.organization(words, span) };
    return undefined;
  }

  private classify(chunk: NameChunk, allTokens: readonly Token[]): void {
    // "in June", "since January", "until the review in April": a calendar word names nobody (compromise may tag it a name).
    if (isCalendarPhrase(chunk.text) && !this.calendarWordOfNamedPerson(chunk.text)) return;
    if (this.isCovered(chunk)) {
      // Already found as a knowledge-base name: only an office before it is new ("Secretary of State John Kerry").
      const mention = this.mentions.find((m) => m.ref.type === 'person' && m.start < chunk.end && chunk.start < m.end);
      if (mention) this.roleFromChunk(chunk, allTokens, this.persons.get(mention.ref.key)!);
      return;
    }
    // "the Secretary of State": an office alone names its one holder in the knowledge base, or nobody.
    if (isOfficeOnly(chunk.tokens)) {
      const holder = this.holderOf(chunk.text);
      if (holder?.name) {
        const known = [...this.persons.values()].some((p) => p.existingId === holder.id);
        const person = this.person(holder.name, { start: chunk.start, end: chunk.end });
        if (!known) person.matchedBy = `role "${chunk.text}" (its only holder in the knowledge base on the publication date)`;
      }
      return;
    }
    const title = parseTitle(chunk, allTokens, (tokens) => this.affiliationOf(tokens) !== undefined);
    if (title && title.nameTokens.length > 0 && title.nameTokens.length <= 4) {
      const name = title.nameTokens;
      const span = { start: name[0]!.start, end: chunk.end };
      const words = this.text.slice(span.start, span.end);
      if (!lookUpCountry(words) && !ORGANIZATION_HEADS.has(name[name.length - 1]!.text.toLowerCase())) {
        const person = this.person(words, span, name);
        this.addRole(person, title.titleTokens, title.statedStart, title.statedEnd, title.affiliationTokens, chunk.end);
        return;
      }
    }
    const span = { start: chunk.start, end: chunk.end };
    const words = chunk.text;
    const kbHit = this.kb.lookUp(words)[0];
    if (kbHit?.kind === 'person') {
      this.person(words, span, chunk.tokens);
      return;
    }
    if (kbHit?.kind === 'organization') {
      this.organization(words, span, kbHit.id, `${kbHit.by} "${kbHit.form}"`);
      return;
    }
    const next = allTokens[chunk.tokens[chunk.tokens.length - 1]!.index + 1];
    const country = lookUpCountry(words);
    // A capital followed by "process", "talks"… names an event ("the Vienna process"), not the country.
    const namesEvent = next && next.sentence === chunk.tokens[0]!.sentence && /^(?:process|talks|summit|meeting|conference|agreement|accord|format|declaration)$/i.test(next.text);
    if (country && !(country.by === 'capital' && namesEvent)) {
      this.country(country, span, words);
      return;
    }
    const last = chunk.tokens[chunk.tokens.length - 1]!;
    const hasOrganizationHead = ORGANIZATION_HEADS.has(last.text.toLowerCase().replace(/['’]s?$/, ''));
    // "Milan", "LYON" in a dateline: a city is not an organization (nor, alone, a person); an event held there takes it as its city.
    if (!hasOrganizationHead && this.isPlace(words)) return;
    if (hasOrganizationHead || (chunk.tokens.length === 1 && isAcronym(words) && !this.knownSurname(words))) {
      this.organization(words, span);
      return;
    }
    const personish = chunk.tokens.some((t) => PERSON_TAGS.some((tag) => t.tags.has(tag)));
    if (chunk.tokens.length === 1) {
      // A lone name is a person already drafted or in the knowledge base, or compromise's person.
      if (this.knownSurname(words) || this.kb.personBySurname(words) || (personish && !chunk.tokens[0]!.tags.has('Place'))) this.person(words, span, chunk.tokens);
      else if (chunk.tokens[0]!.tags.has('Organization')) this.organization(words, span);
      return;
    }
    if (personish && chunk.tokens.length <= 4 && !chunk.tokens.some((t) => t.tags.has('Place') && !t.tags.has('Person'))) {
      this.person(words, span, chunk.tokens);
      return;
    }
    if (chunk.tokens.some((t) => t.tags.has('Organization'))) this.organization(words, span);
  }

  private knownSurname(word: string): boolean {
    const folded = foldName(word);
    return [...this.persons.values()].some((p) => p.name && foldName(p.name).split(' ').pop() === folded);
  }

  private roleFromChunk(chunk: NameChunk, allTokens: readonly Token[], person: PersonDraft): void {
    const title = parseTitle(chunk, allTokens, (tokens) => this.affiliationOf(tokens) !== undefined);
    if (title && title.nameTokens.length > 0) this.addRole(person, title.titleTokens, title.statedStart, title.statedEnd, title.affiliationTokens, chunk.end);
  }

  private addRole(person: PersonDraft, titleTokens: readonly Token[], statedStart: number, statedEnd: number, affiliationTokens: readonly Token[], evidenceEnd: number): void {
    const title = normaliseTitle(titleTokens.map((t) => t.text.replace(/['’]s$/, '')));
    const affiliation = affiliationTokens.length > 0 ? this.affiliationOf(affiliationTokens) : undefined;
    const start = Math.min(statedStart, affiliationTokens[0]?.start ?? statedStart);
    const statedAs = this.text.slice(start, statedEnd);
    const role: RoleDraft = {
      title,
      ...(statedAs !== title ? { statedAs } : {}),
      ...(affiliation?.country ? { countryKey: affiliation.country.key } : {}),
      ...(affiliation?.organization ? { organizationKey: affiliation.organization.key } : {}),
      evidence: { start, end: evidenceEnd },
    };
    if (!person.roles.some((r) => r.title === role.title && r.countryKey === role.countryKey && r.organizationKey === role.organizationKey)) person.roles.push(role);
    if (!person.gender && MALE_WORDS.test(statedAs)) person.gender = 'male';
    if (!person.gender && FEMALE_WORDS.test(statedAs)) person.gender = 'female';
  }

  /** ", 58," (an age) and ", the EAHN's director," (an office) right after a person's name. */
  private appositives(): void {
    for (const mention of this.sortedMentions()) if (mention.ref.type === 'person') this.appositionsOf(mention);
  }

  /**
   * The age and office beside one mention of a person. Run for every person the names found, and again for
   * a person first drafted as the subject of a verb of saying ("…,” said Mirela Ivathornaaek, the spokeswoman for EUUD.).
   */
  appositionsOf(mention: Mention): void {
    const key = `${mention.ref.key}@${mention.start}`;
    if (mention.ref.type !== 'person' || this.appositionsRead.has(key)) return;
    this.appositionsRead.add(key);
    {
      const person = this.persons.get(mention.ref.key)!;
      const after = this.text.slice(mention.end, mention.end + 120);
      const age = /^,\s+(\d{1,3}),/.exec(after);
      if (age) person.age ??= Number(age[1]);
      const office = /^,\s+(?:(?:the|a|an)\s+)?([^,.;:“”"]{2,70}?)\s*[,.;]/.exec(after);
      if (office) person.descriptions.push(office[1]!);
      const officeWords = office ? office[1]!.split(/[\s-]+/).map((w) => w.toLowerCase().replace(/['’]s$/, '')) : [];
      // "a former merchant navy officer" is a past occupation, not an office held.
      if (office && officeWords.some((w) => ROLE_HEADS.has(w)) && !officeWords.includes('former') && (/^,\s+(?:the|a|an)\s/.test(after) || ROLE_HEADS.has(officeWords[0]!))) {
        this.appositiveRole(person, mention.end + office.index + office[0].indexOf(office[1]!), office[1]!.replace(/\s*\([A-Z]{2,6}\)$/, ''));
      }
      // "Turkey’s deputy transport minister, Selin Aydin": the office before the name.
      const before = /(\p{Lu}[\p{L}-]+)['’]s\s+((?:[\p{Ll}-]+\s+){0,3}[\p{Ll}-]+),\s+$/u.exec(this.text.slice(Math.max(0, mention.start - 80), mention.start));
      if (before && ROLE_HEADS.has(before[2]!.split(/\s+/).pop()!)) {
        const start = mention.start - (Math.min(80, mention.start) - before.index);
        this.appositiveRole(person, start, this.text.slice(start, mention.start).replace(/,\s+$/, ''));
      }
      // "the British farming minister, Jane Moor,": an office with whose it is, before the name.
      const described = /\b(?:[Tt]he|[Aa]n?)\s+(\p{Lu}[\p{L}-]+\s+(?:[\p{Ll}-]+\s+){0,3}[\p{Ll}-]+),\s+$/u.exec(this.text.slice(Math.max(0, mention.start - 80), mention.start));
      const describedWords = described ? described[1]!.split(/\s+/).slice(1).map((w) => w.toLowerCase()) : [];
      if (described && ROLE_HEADS.has(describedWords[describedWords.length - 1]!) && !describedWords.includes('former') && !/^(?:and|or|but|of|for|to|in|on)$/.test(describedWords[0]!)) {
        const start = mention.start - (Math.min(80, mention.start) - described.index) + described[0].indexOf(described[1]!);
        this.appositiveRole(person, start, described[1]!);
      }
      const heads = /^,\s+who (heads|leads|chairs|runs) (the [^,.;]{2,70}?)[,.;]/.exec(after);
      if (heads) {
        const orgWords = heads[2]!.replace(/^the\s+/, '');
        const orgStart = mention.end + heads.index + heads[0].indexOf(orgWords);
        const org = this.organization(orgWords, { start: orgStart, end: orgStart + orgWords.length });
        const title = { heads: 'Head', leads: 'Leader', chairs: 'Chair', runs: 'Head' }[heads[1] as 'heads'];
        if (!person.roles.some((r) => r.organizationKey === org.key)) person.roles.push({ title, organizationKey: org.key, statedAs: `${heads[1]} the ${orgWords}`, evidence: { start: mention.start, end: orgStart + orgWords.length } });
      }
    }
  }

  private appositiveRole(person: PersonDraft, start: number, phrase: string): void {
    const words = phrase.split(/\s+/);
    const wordStarts = [...phrase.matchAll(/\S+/g)].map((m) => start + m.index);
    let k = 0;
    let countryKey: string | undefined;
    let organizationKey: string | undefined;
    let at = start;
    // "the EAHN's director", "the German state secretary for agriculture": whose office comes first.
    while (k < words.length - 1) {
      const word = words[k]!.replace(/['’]s$/, '');
      const wordSpan = { start: at, end: at + word.length };
      const country = lookUpCountry(word);
      const kbCountry = this.kb.lookUp(word, ['country'])[0];
      const kbOrg = this.kb.lookUp(word, ['organization'])[0];
      const draftOrg = [...this.organizations.values()].find((o) => foldName(o.name) === foldName(word) || o.aliases.has(word) || o.aliases.has(foldName(word)));
      if (country && country.by !== 'capital') countryKey = this.country(country, wordSpan, word).key;
      else if (kbCountry) countryKey = this.knownCountry(kbCountry.id, wordSpan, `${kbCountry.by} "${kbCountry.form}"`).key;
      else if (kbOrg || draftOrg || isAcronym(word)) organizationKey = this.organization(word, wordSpan, kbOrg?.id).key;
      else break;
      at += words[k]!.length + 1;
      k++;
    }
    let titleWords = words.slice(k);
    // "spokesman for the Transport Ministry", "spokeswoman for NATO", "spokesman for the government of Italy",
    // "secretary-general of the Arctic Shipowners’ Council": the office, then whose it is.
    if (!organizationKey && !countryKey) {
      for (let i = 1; i < titleWords.length - 1; i++) {
        if (!/^(?:for|of|at|to)$/.test(titleWords[i]!)) continue;
        const whose = this.whoseOffice(titleWords.slice(i + 1), wordStarts.slice(k + i + 1));
        if (!whose) continue;
        if (whose.country) countryKey = whose.country.key;
        if (whose.organization) organizationKey = whose.organization.key;
        titleWords = titleWords.slice(0, i);
        break;
      }
    }
    const title = normaliseTitle(titleWords.join(' ').split(/(?<=-)|\s+/).join(' ').replace(/- /g, '-').split(' ')).replace(/-(\p{Ll})/gu, (_, c: string) => `-${c.toUpperCase()}`);
    if (person.roles.some((r) => foldName(r.title) === foldName(title))) return;
    person.roles.push({
      title,
      ...(phrase !== title ? { statedAs: phrase } : {}),
      ...(countryKey ? { countryKey } : {}),
      ...(organizationKey ? { organizationKey } : {}),
      evidence: { start, end: start + phrase.length },
    });
  }

  /**
   * Whose an office is, from the words after "for", "of", "at" or "to": a country ("the government of Italy",
   * "the Italian government", "Portugal"), an organization the knowledge base or the article knows ("NATO",
   * "EUUD"), or a new one named as such ("the Transport Ministry", an acronym). Nothing for a city, a
   * lowercase field ("for agriculture") or a name that could be anything ("of Agriculture").
   */
  private whoseOffice(words: readonly string[], starts: readonly number[]): { country?: CountryDraft; organization?: OrganizationDraft } | undefined {
    let from = 0;
    const the = words[0] === 'the';
    if (the) from = 1;
    let to = words.length;
    // "the government of Italy": the country; "the Italian government": the same, by its adjective.
    let government = false;
    if (words[from] === 'government' && words[from + 1] === 'of') {
      government = true;
      from += words[from + 2] === 'the' ? 3 : 2;
    } else if (to - from >= 2 && words[to - 1] === 'government') {
      government = true;
      to -= 1;
    }
    if (from >= to || !/^\p{Lu}/u.test(words[from]!)) return undefined;
    const phrase = words.slice(from, to).join(' ').replace(/['’]s$/, '');
    const span = { start: starts[from]!, end: starts[from]! + phrase.length };
    if (this.text.slice(span.start, span.end) !== phrase) return undefined;
    const kbHit = this.kb.lookUp(phrase, ['country', 'organization'])[0];
    if (kbHit?.kind === 'country') return { country: this.knownCountry(kbHit.id, span, `${kbHit.by} "${kbHit.form}"`) };
    const country = lookUpCountry(phrase);
    if (country && country.by !== 'capital' && (country.by !== 'demonym' || government)) return { country: this.country(country, span, phrase) };
    if (government) return undefined;
    if (kbHit?.kind === 'organization') return { organization: this.organization(phrase, span, kbHit.id, `${kbHit.by} "${kbHit.form}"`) };
    const drafted = [...this.organizations.values()].find((o) => foldName(o.name) === foldName(phrase) || o.aliases.has(phrase) || o.aliases.has(foldName(phrase)));
    if (drafted) return { organization: this.organization(phrase, span, drafted.existingId) };
    if (this.isPlace(phrase) || isCalendarPhrase(phrase)) return undefined;
    const last = words[to - 1]!.toLowerCase().replace(/['’]s?$/, '');
    if (the || ORGANIZATION_HEADS.has(last) || (to - from === 1 && isAcronym(phrase))) return { organization: this.organization(phrase, span) };
    return undefined;
  }

  /** A country of the knowledge base, found by its name or alias (the generated data's countries are not in world-countries). */
  knownCountry(id: string, span: Span, matchedBy: string): CountryDraft {
    const record = this.kb.countries.get(id)!;
    const draft = this.countries.get(record.id) ?? { key: record.id, name: record.name, isoAlpha2: record.isoAlpha2, isoAlpha3: record.isoAlpha3, existingId: record.id, matchedBy, mentions: [], aliases: new Set<string>() };
    this.countries.set(record.id, draft);
    this.addMention(draft.mentions, span, { type: 'country', key: record.id });
    return draft;
  }

  /** Parenthesised acronyms after an organization ("European Animal Health Network (EAHN)") become its aliases. */
  acronyms(): void {
    for (const org of this.organizations.values()) {
      for (const span of [...org.mentions]) {
        const acronym = /^\s*\(([A-Z][A-Z0-9]{1,7})\)/.exec(this.text.slice(span.end, span.end + 14));
        if (!acronym) continue;
        org.aliases.add(acronym[1]!);
        const other = this.organizations.get(`org:${foldName(acronym[1]!)}`) ?? [...this.organizations.values()].find((o) => o !== org && o.existingId && foldName(o.name) === foldName(acronym[1]!));
        // "North Atlantic Treaty Organization (NATO)" when the knowledge base knows NATO: the long name is its alias.
        if (other && other !== org && other.existingId && !org.existingId) {
          other.aliases.add(org.name);
          for (const m of org.mentions) this.addMention(other.mentions, m, { type: 'organization', key: other.key });
          this.organizations.delete(org.key);
          for (const m of this.mentions) if (m.ref.key === org.key) m.ref = { type: 'organization', key: other.key };
          for (const p of this.persons.values()) for (const r of p.roles) if (r.organizationKey === org.key) r.organizationKey = other.key;
          this.mentions.splice(0, this.mentions.length, ...this.mentions.filter((m, i, all) => all.findIndex((n) => n.start === m.start && n.ref.key === m.ref.key) === i));
          break;
        }
        if (other && other !== org) {
          for (const m of other.mentions) this.addMention(org.mentions, m, { type: 'organization', key: org.key });
          this.organizations.delete(other.key);
          for (const m of this.mentions) if (m.ref.key === other.key) m.ref = { type: 'organization', key: org.key };
          for (const p of this.persons.values()) for (const r of p.roles) if (r.organizationKey === other.key) r.organizationKey = org.key;
        }
      }
    }
  }

  /** The one knowledge-base person holding `title` on the publication date, if exactly one does. */
  holderOf(title: string): { id: string; name: string | null } | undefined {
    const holders = this.kb.holdersOf(title, this.publishedOn);
    const ids = new Set(holders.map((h) => h.person.id));
    return ids.size === 1 ? { id: holders[0]!.person.id, name: holders[0]!.person.name } : undefined;
  }
}

function isWordBoundary(text: string, span: Span): boolean {
  const before = text[span.start - 1];
  const after = text[span.end];
  return (!before || !/[\p{L}\p{N}]/u.test(before)) && (!after || !/[\p{L}\p{N}]/u.test(after));
}
