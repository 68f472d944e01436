/**
 * What the draft looks up in the knowledge base: records by folded name and alias, persons by surname
 * and by role title, the stored statements folded and indexed (known-statements.ts), and every id
 * already taken. Merged records are left out (their ids stay taken). A knowledge base is an immutable
 * snapshot, so its index is built once (`KbIndex.of`) and shared by every draft made against it.
 */
import type { KnowledgeBase } from '../../kb/knowledge-base.js';
import type { CountryRecord, EventRecord, OrganizationRecord, PersonRecord, RoleRecord, StatementRecord } from '../../kb/records.js';
import { foldText } from '../../kb/text.js';
import { StatementIndex } from './known-statements.js';

export type KbKind = 'person' | 'country' | 'organization' | 'event';

export interface KbHit {
  kind: KbKind;
  id: string;
  /** "name" or "alias" (the alias itself follows in `matchedBy` text). */
  by: 'name' | 'alias';
  form: string;
}

/** A name folded for lookups: case, accents, quotation marks and a trailing possessive ignored. */
export function foldName(name: string): string {
  return foldText(name)
    .replace(/['’]s$/, '')
    .replace(/[“”"]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
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
  readonly takenIds = new Set<string>();
  private readonly byName = new Map<string, KbHit[]>();
  private readonly bySurname = new Map<string, PersonRecord[]>();
  private readonly byRoleTitle = new Map<string, { person: PersonRecord; role: RoleRecord }[]>();
  private readonly byIso2 = new Map<string, CountryRecord>();
  /** Names and aliases with a capital letter, for finding the knowledge base's entities in a text. */
  readonly scanForms: KbHit[] = [];
  /** The same, longest first, each with its folded form: what a draft scans its text for. */
  private sortedScanForms: { hit: KbHit; needle: string }[] | undefined;

  constructor(kb: KnowledgeBase | undefined) {
    this.statementIndex = new StatementIndex([]);
    if (!kb) return;
    const stored = kb.stored;
    for (const list of [stored.sources, stored.persons, stored.countries, stored.organizations, stored.events, stored.statements]) {
      for (const record of list) this.takenIds.add(record.id);
    }
    const live = <R extends { id: string; mergedInto?: unknown }>(records: readonly R[]) => records.filter((r) => !r.mergedInto && !kb.mergedInto.has(r.id));
    for (const person of live(stored.persons)) {
      this.persons.set(person.id, person);
      if (person.name) {
        this.addName('person', person.id, person.name, 'name');
        const words = person.name.split(/\s+/);
        if (words.length > 1) pushTo(this.bySurname, foldName(words[words.length - 1]!), person);
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
    for (const statement of live(stored.statements)) if (!statement.retracted) this.statements.push(statement);
    this.statementIndex = new StatementIndex(this.statements);
  }

  /** The scan forms longest first (a longer name wins over a name inside it), folded once. */
  scanNeedles(): readonly { hit: KbHit; needle: string }[] {
    this.sortedScanForms ??= [...this.scanForms].sort((a, b) => b.form.length - a.form.length).map((hit) => ({ hit, needle: foldText(hit.form) }));
    return this.sortedScanForms;
  }

  private addName(kind: KbKind, id: string, form: string, by: 'name' | 'alias'): void {
    const hit = { kind, id, by, form };
    pushTo(this.byName, foldName(form), hit);
    if (/\p{Lu}/u.test(form) && form.length >= 2) this.scanForms.push(hit);
  }

  /** Records whose name or alias is `name` (folded), of the given kinds. */
  lookUp(name: string, kinds?: readonly KbKind[]): KbHit[] {
    const hits = this.byName.get(foldName(name)) ?? [];
    return kinds ? hits.filter((hit) => kinds.includes(hit.kind)) : hits;
  }

  /** The one person with this surname, when exactly one has it. */
  personBySurname(surname: string): PersonRecord | undefined {
    const persons = this.bySurname.get(foldName(surname));
    return persons?.length === 1 ? persons[0] : undefined;
  }

  /** Holders of a role title whose role has not ended before `asOf` (YYYY-MM-DD; unknown ends count as open). */
  holdersOf(title: string, asOf: string | undefined): { person: PersonRecord; role: RoleRecord }[] {
    const holders = this.byRoleTitle.get(foldName(title)) ?? [];
    return holders.filter(({ role }) => !role.end || !asOf || role.end.value >= asOf.slice(0, role.end.value.length));
  }

  countryByIso2(code: string): CountryRecord | undefined {
    return this.byIso2.get(code);
  }
}

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
