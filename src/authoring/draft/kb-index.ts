/**
 * What the draft looks up in the knowledge base: records by folded name and alias, persons by surname
 * and by role title, the stored statements folded and indexed (known-statements.ts), and every id
 * already taken. Merged records are left out (their ids stay taken). A knowledge base is an immutable
 * snapshot, so its index is built once (`KbIndex.of`) and shared by every draft made against it.
 *
 * On PostgreSQL the index holds only the records a draft of one text can look up, fetched by the words
 * they are named by (`DraftScope`): each lookup first checks that its answer is among them, and notes
 * what to fetch when it is not (draft/scoped.ts runs the draft again once it is fetched).
 */
import { inForceFormOf, type KnowledgeBase, type RecordsByCollection } from '../../kb/knowledge-base.js';
import type { CountryRecord, EventRecord, OrganizationRecord, PersonRecord, RoleRecord, SourceRecord, StatementRecord } from '../../kb/records.js';
import { foldText } from '../../kb/text.js';
import { foldName, indexedWords, keyWordOf, labelWordsOf, nameKeyOf, surnameKeyOf, type DraftKeyKind } from './keys.js';
import { statementWords, StatementIndex, type KnownMatch } from './known-statements.js';

export type KbKind = 'person' | 'country' | 'organization' | 'event';

export interface KbHit {
  kind: KbKind;
  id: string;
  /** "name" or "alias" (the alias itself follows in `matchedBy` text). */
  by: 'name' | 'alias';
  form: string;
}

export { foldName, indexedWords, nameStem } from './keys.js';

/**
 * What a partial index holds (the records of some keys of keys.ts, some ids, the statements some drafted
 * statements could be), and what the lookups of one draft asked for beyond it (`missing`).
 */
export class DraftScope {
  /** Every record with one of these keys of each kind is held. */
  readonly keys: Record<DraftKeyKind, Set<string>> = { name: new Set(), surname: new Set(), label: new Set(), stem: new Set(), iso2: new Set() };
  /** Every attack that started on one of these days is held. */
  readonly attackDates = new Set<string>();
  /** These ids are known to be taken (held) or free. */
  readonly ids = new Set<string>();
  /** The statements a drafted statement could be (sharing its rarest words, whoever its speaker) are held, by its words joined. */
  readonly statements = new Set<string>();
  /** The source with each of these texts, if any, is held. */
  readonly sourceTexts = new Set<string>();
  missing = DraftScope.nothing();

  private static nothing() {
    return {
      keys: { name: new Set<string>(), surname: new Set<string>(), label: new Set<string>(), stem: new Set<string>(), iso2: new Set<string>() } as Record<DraftKeyKind, Set<string>>,
      attackDates: new Set<string>(),
      ids: new Set<string>(),
      statements: new Map<string, { words: string[] }>(),
      sourceTexts: new Set<string>(),
    };
  }

  hasMissing(): boolean {
    const { keys, attackDates, ids, statements, sourceTexts } = this.missing;
    return Object.values(keys).some((set) => set.size > 0) || attackDates.size + ids.size + statements.size + sourceTexts.size > 0;
  }

  /** Takes what was missing as held (once it has been fetched) and starts a new run. */
  coverMissing(): void {
    const { keys, attackDates, ids, statements, sourceTexts } = this.missing;
    for (const [kind, set] of Object.entries(keys) as [DraftKeyKind, Set<string>][]) for (const key of set) this.keys[kind].add(key);
    for (const date of attackDates) this.attackDates.add(date);
    for (const id of ids) this.ids.add(id);
    for (const key of statements.keys()) this.statements.add(key);
    for (const text of sourceTexts) this.sourceTexts.add(text);
    this.missing = DraftScope.nothing();
  }

  /** Notes `key` of `kind` as missing unless its records are held; an absent key (a name without words) matches nothing. */
  covers(kind: DraftKeyKind, key: string | undefined): void {
    if (key !== undefined && !this.keys[kind].has(key)) this.missing.keys[kind].add(key);
  }
}

const built = new WeakMap<KnowledgeBase, KbIndex>();

export class KbIndex {
  /** The index of `kb`, built on first use and kept as long as the knowledge base is. */
  static of(kb: KnowledgeBase): KbIndex {
    let index = built.get(kb);
    if (!index) {
      index = new KbIndex(kb);
      built.set(kb, index);
    }
    return index;
  }

  readonly persons = new Map<string, PersonRecord>();
  readonly countries = new Map<string, CountryRecord>();
  readonly organizations = new Map<string, OrganizationRecord>();
  readonly events = new Map<string, EventRecord>();
  readonly statements: StatementRecord[] = [];
  /** The live statements folded once, for finding a drafted statement's known forms. */
  readonly statementIndex: StatementIndex;
  /** Every id in the knowledge base, merged ones included: new ids must not reuse them. */
  private readonly takenIds = new Set<string>();
  private readonly byName = new Map<string, KbHit[]>();
  private readonly bySurname = new Map<string, PersonRecord[]>();
  private readonly byRoleTitle = new Map<string, { person: PersonRecord; role: RoleRecord }[]>();
  private readonly byIso2 = new Map<string, CountryRecord>();
  /** Names and aliases with a capital letter, for finding the knowledge base's entities in a text. */
  readonly scanForms: KbHit[] = [];
  /** The same, longest first, each with its folded form: what a draft scans its text for. */
  private sortedScanForms: { hit: KbHit; needle: string }[] | undefined;

  private readonly sources: readonly SourceRecord[] = [];

  /**
   * An index of `kb`'s records: all of them (in memory), or (with `scope`, on PostgreSQL) those a draft
   * of one text can look up, in file order.
   */
  constructor(
    kb: Pick<KnowledgeBase, 'stored' | 'mergedInto'> | { stored: RecordsByCollection; mergedInto: ReadonlyMap<string, string> } | undefined,
    private readonly scope?: DraftScope,
  ) {
    this.statementIndex = new StatementIndex([]);
    if (!kb) return;
    const stored = kb.stored;
    this.sources = stored.sources;
    for (const list of [stored.sources, stored.persons, stored.countries, stored.organizations, stored.events, stored.statements]) {
      for (const record of list) this.takenIds.add(record.id);
    }
    const live = <R extends { id: string; mergedInto?: unknown }>(records: readonly R[]) => records.filter((r) => !r.mergedInto && !kb.mergedInto.has(r.id));
    for (const person of live(stored.persons)) {
      this.persons.set(person.id, person);
      if (person.name) {
        this.addName('person', person.id, person.name, 'name');
        const surname = surnameKeyOf(person.name);
        if (surname !== undefined) pushTo(this.bySurname, surname, person);
      }
      for (const alias of person.aliases) this.addName('person', person.id, alias, 'alias');
      for (const role of person.roles) if (!role.retracted) pushTo(this.byRoleTitle, foldName(role.title), { person, role });
    }
    for (const country of live(stored.countries)) {
      this.countries.set(country.id, country);
      this.byIso2.set(country.isoAlpha2, country);
      this.addName('country', country.id, country.name, 'name');
      for (const alias of country.aliases) this.addName('country', country.id, alias, 'alias');
    }
    for (const organization of live(stored.organizations)) {
      this.organizations.set(organization.id, organization);
      this.addName('organization', organization.id, organization.name, 'name');
      for (const alias of organization.aliases) this.addName('organization', organization.id, alias, 'alias');
    }
    for (const event of live(stored.events)) {
      this.events.set(event.id, event);
      this.addName('event', event.id, event.name, 'name');
      for (const alias of event.aliases) this.addName('event', event.id, alias, 'alias');
    }
    // In force: a retracted report's words are withdrawn, so a draft is not matched on them.
    for (const statement of live(stored.statements)) if (!statement.retracted) this.statements.push(inForceFormOf.statements(statement));
    this.statementIndex = new StatementIndex(this.statements);
  }

  /** The scan forms longest first (a longer name wins over a name inside it), folded once; `text` is what they are looked for in. */
  scanNeedles(text: string): readonly { hit: KbHit; needle: string }[] {
    // A name found in the text has its key word among the text's words.
    if (this.scope) for (const word of indexedWords(text)) this.scope.covers('name', word);
    this.sortedScanForms ??= [...this.scanForms].sort((a, b) => b.form.length - a.form.length).map((hit) => ({ hit, needle: foldText(hit.form) }));
    return this.sortedScanForms;
  }

  /** The unnamed persons whose label has every one of `labelWords` (folded, as `foldName` splits them), in the knowledge base's order. */
  unnamedPersonsLabelled(labelWords: ReadonlySet<string>): PersonRecord[] {
    this.scope?.covers('label', keyWordOf(labelWords));
    return [...this.persons.values()].filter((p) => p.name === null && p.label && [...labelWords].every((w) => labelWordsOf(p.label!).includes(w)));
  }

  /** The events a drafted event named with words of these `stems` may be (every event, in memory), in the knowledge base's order. */
  eventsNamedLike(stems: ReadonlySet<string>): Iterable<EventRecord> {
    // A match has every one of the stems: the events of one of them are enough.
    this.scope?.covers('stem', keyWordOf(stems));
    return this.events.values();
  }

  /** The attacks that started on `date` (YYYY-MM-DD): a drafted attack in the same city that day is one of them. */
  attacksOn(date: string): EventRecord[] {
    if (this.scope && !this.scope.attackDates.has(date)) this.scope.missing.attackDates.add(date);
    return [...this.events.values()].filter((event) => event.kind === 'ATTACK' && event.start?.value === date);
  }

  /** True when a record (merged ones included) has the id `id`: new ids must not reuse it. */
  isTaken(id: string): boolean {
    if (this.takenIds.has(id)) return true;
    if (this.scope && !this.scope.ids.has(id)) this.scope.missing.ids.add(id);
    return false;
  }

  /** The stored source with exactly this text, if any: the draft then adds to it. */
  sourceWithText(text: string): SourceRecord | undefined {
    if (this.scope && !this.scope.sourceTexts.has(text)) this.scope.missing.sourceTexts.add(text);
    return this.sources.find((source) => source.text === text);
  }

  /** What the knowledge base holds of a drafted statement (known-statements.ts). */
  findKnown(text: string, kind: string, speakerId: string | null): KnownMatch {
    if (this.scope) {
      const words = statementWords(text);
      const key = words.join(' ');
      if (!this.scope.statements.has(key)) this.scope.missing.statements.set(key, { words });
    }
    return this.statementIndex.findKnown(text, kind, speakerId);
  }

  private addName(kind: KbKind, id: string, form: string, by: 'name' | 'alias'): void {
    const hit = { kind, id, by, form };
    pushTo(this.byName, foldName(form), hit);
    if (/\p{Lu}/u.test(form) && form.length >= 2) this.scanForms.push(hit);
  }

  /** Records whose name or alias is `name` (folded), of the given kinds. */
  lookUp(name: string, kinds?: readonly KbKind[]): KbHit[] {
    this.scope?.covers('name', nameKeyOf(name));
    const hits = this.byName.get(foldName(name)) ?? [];
    return kinds ? hits.filter((hit) => kinds.includes(hit.kind)) : hits;
  }

  /** The one person with this surname, when exactly one has it. */
  personBySurname(surname: string): PersonRecord | undefined {
    this.scope?.covers('surname', foldName(surname));
    const persons = this.bySurname.get(foldName(surname));
    return persons?.length === 1 ? persons[0] : undefined;
  }

  /** Holders of a role title whose role has not ended before `asOf` (YYYY-MM-DD; unknown ends count as open). */
  holdersOf(title: string, asOf: string | undefined): { person: PersonRecord; role: RoleRecord }[] {
    this.scope?.covers('name', nameKeyOf(title));
    const holders = this.byRoleTitle.get(foldName(title)) ?? [];
    return holders.filter(({ role }) => !role.end || !asOf || role.end.value >= asOf.slice(0, role.end.value.length));
  }

  countryByIso2(code: string): CountryRecord | undefined {
    this.scope?.covers('iso2', code);
    return this.byIso2.get(code);
  }
}

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
