/**
 * Loading any record by id through the per-request loader of its kind. Each type file registers its
 * loadable ref here; this module imports no type file, so the builder and every type file can use it.
 */
import { brandWithType } from '@pothos/core';
import type DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { RecordKind } from '../kb/knowledge-base.js';
import { anyOfKinds } from '../kb/text.js';

interface LoaderSource {
  getDataloader(context: Context): DataLoader<string, unknown>;
}

const loaderSourceByKind = new Map<RecordKind, LoaderSource>();

/** Makes `loadNode` reach the per-request loader of `kind`. */
export function registerNodeLoader(kind: RecordKind, source: LoaderSource): void {
  loaderSourceByKind.set(kind, source);
}

/**
 * Loads a record of any kind through its kind's per-request loader (so loads batch with every other
 * load of that kind), branded with its GraphQL type so the Node and Entity interfaces can resolve it.
 */
export async function loadNode(context: Context, id: string, kinds?: readonly RecordKind[]): Promise<object> {
  const kind = (await context.loaders.referentById.load(id))?.kind;
  const source = kind && (!kinds || kinds.includes(kind)) ? loaderSourceByKind.get(kind) : undefined;
  if (!kind || !source) throw new Error(`"${id}" is not the id of ${kinds ? anyOfKinds(kinds) : 'a record'}`);
  const record = (await source.getDataloader(context).load(id)) as object;
  brandWithType(record, kind as never); // the type name; brandWithType's signature wants a ref
  return record;
}
