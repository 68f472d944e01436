/**
 * The `Entity` interface shared by persons, countries, organizations and events, and the way fields
 * whose type is `Entity` load records of whichever kind an id names. This module imports no type file,
 * so every type file can use it at load time; fields that link entities to statements are added in
 * `statement.ts`.
 */
import type DataLoader from 'dataloader';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { EntityKind } from '../kb/knowledge-base.js';
import type { CountryRecord, EventRecord, OrganizationRecord, PersonRecord } from '../kb/records.js';

export type EntityRecord = PersonRecord | CountryRecord | OrganizationRecord | EventRecord;

interface EntityLoaderSource {
  getDataloader(context: Context): DataLoader<string, unknown>;
}

const loaderSourceByKind = new Map<EntityKind, EntityLoaderSource>();

/** Lets `loadEntity` reach the per-request loader of a kind; each type file registers its own. */
export function registerEntityLoader(kind: EntityKind, source: EntityLoaderSource): void {
  loaderSourceByKind.set(kind, source);
}

/** Loads any entity by id through the per-request loader of its kind, so loads batch across kinds too. */
export function loadEntity(context: Context, id: string): Promise<EntityRecord> {
  const kind = context.kb.kindOf(id);
  const source = kind && kind !== 'Source' ? loaderSourceByKind.get(kind) : undefined;
  if (!source) return Promise.reject(new Error(`"${id}" is not an entity id`));
  return source.getDataloader(context).load(id) as Promise<EntityRecord>;
}

export const EntityRef = builder.interfaceRef<EntityRecord>('Entity');

EntityRef.implement({
  description: 'Something the news is about: a person, country, organization or event. Each has a readable slug, names, and the statements that mention it.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (entity, context: Context) => context.kb.kindOf(entity.id) as string,
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'A readable, stable identifier such as "john-kerry", accepted by the typed lookups (`person(slug:)`).' }),
    name: t.string({
      nullable: true,
      description: 'The name the source uses. Null only for a person the source does not name; use `displayName` for a label that is always present.',
      resolve: (entity) => entity.name,
    }),
    displayName: t.string({
      description: 'A label for display: the name, or for an unnamed person how the source refers to them ("State Department official (unnamed)").',
      resolve: (entity) => entity.name ?? ('label' in entity && entity.label ? entity.label : entity.id),
    }),
    aliases: t.exposeStringList('aliases', {
      description: 'Other names the source uses for the same entity ("Daesh" and "ISIL" for Islamic State).',
    }),
    description: t.exposeString('description', { description: 'A short description of the entity as the source presents it.' }),
  }),
});
