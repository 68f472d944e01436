import { readFile } from 'node:fs/promises';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isIntrospectionType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';
import { printSchemaFile, schemaFilePath } from '../src/schema/print.js';
import { articleSchemaFilePath, printArticleSchemaFile } from '../src/authoring/article-schema-file.js';

/** Every place in our schema that lacks a description, as "Type.field(arg)" coordinates. */
function undocumented(): string[] {
  const missing: string[] = [];
  const lacks = (text: string | null | undefined) => !text || text.trim().length < 3;
  for (const type of Object.values(schema.getTypeMap()) as GraphQLNamedType[]) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (lacks(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (lacks(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (lacks(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (lacks(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

describe('schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema` after changing src/schema)', async () => {
    const committed = await readFile(schemaFilePath, 'utf8');
    expect(committed).toBe(printSchemaFile());
  });

  it('matches the committed schema/article-file.schema.json (generated from the article file\'s zod schemas by `npm run schema`)', async () => {
    const committed = await readFile(articleSchemaFilePath, 'utf8');
    expect(committed).toBe(printArticleSchemaFile());
  });

  it('describes every type, field, argument and enum value', () => {
    expect(undocumented()).toEqual([]);
  });

  it('names fields in camelCase and enum values in SCREAMING_SNAKE_CASE', () => {
    const badNames: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type)) continue;
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const name of Object.keys(type.getFields())) if (!/^[a-z][A-Za-z0-9]*$/.test(name)) badNames.push(`${type.name}.${name}`);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!/^[A-Z][A-Z0-9_]*$/.test(value.name)) badNames.push(`${type.name}.${value.name}`);
      }
    }
    expect(badNames).toEqual([]);
  });
});
