import { builder } from '../builder.js';
import './dataset.js';
import './entity.js';
import './person.js';
import './country.js';
import './organization.js';
import './event.js';
import './statement.js';
import './source.js';
import './timeline.js';
import './stats.js';
import './search.js';
import './graph.js';
import './provenance.js';
import './source-coverage.js';
import './live.js';
import './article-file.js';

export const schema = builder.toSchema({ sortSchema: true });
