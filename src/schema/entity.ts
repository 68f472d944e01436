/**
 * The `Entity` interface shared by persons, countries, organizations and events, and the way fields
 * whose type is `Entity` load records of whichever kind an id names. This module imports no type file,
 * so every type file can use it at load time; fields that link entities to statements are added in
 * `statement.ts`.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { CountryRecord, EventRecord, OrganizationRecord, PersonRecord } from '../kb/records.js';
import { loadNode } from './node-loading.js';
import { kindOfRecord } from '../kb/reader.js';

export type EntityRecord = PersonRecord | CountryRecord | OrganizationRecord | EventRecord;

const entityKinds = ['Person', 'Country', 'Organization', 'Event'] as const;

/** Loads any entity by id through the per-request loader of its kind, so loads batch across kinds too. */
export function loadEntity(context: Context, id: string): Promise<EntityRecord> {
  return loadNode(context, id, entityKinds) as Promise<EntityRecord>;
}

export const EntityRef = builder.interfaceRef<EntityRecord>('Entity');

EntityRef.implement({
  description: 'Something the news is about: a person, country, organization or event. Each has a readable slug, names, and the statements that mention it.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (entity) => kindOfRecord(entity),
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'A readable, stable identifier such as "john-kerry", accepted by the typed lookups (`person(slug:)`).' }),
    name: t.string({
      nullable: true,
      description:
        'The name. It is the source\'s, except that a well-known person the source names only in part gets the full name (the source\'s forms are in `aliases`, and `description` says so). ' +
        'Null only for a person the source does not name; use `displayName` for a label that is always present.',
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
