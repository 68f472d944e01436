import type { YogaInitialContext } from 'graphql-yoga';
import type { KnowledgeBase } from './kb/knowledge-base.js';
import { createLoaders, type Loaders } from './kb/loaders.js';

/** What every resolver sees. Built anew for each request, so no loader cache outlives its request. */
export interface Context {
  kb: KnowledgeBase;
  loaders: Loaders;
}

export function createContext(kb: KnowledgeBase): Context {
  return { kb, loaders: createLoaders(kb) };
}

export type ServerContext = Context & YogaInitialContext;
