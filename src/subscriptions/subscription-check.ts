// A Subscription as a client writes it, checked before Haven stores it: an R4 rest-hook channel
// with an endpoint Haven may deliver to, a payload Haven can send, well-formed header lines and
// criteria the search engine evaluates. What passes is stored `active` (or `off` when the client
// turns it off); anything else is a 4xx naming the element.
import type { Subscription } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import type { SearchEngine } from '../store/search/engine.js';
import { parseCriteria, type SubscriptionCriteria } from './criteria.js';
import { endpointRefusal } from './endpoint-policy.js';

export interface CheckedSubscription {
  criteria: SubscriptionCriteria;
  endpoint: string;
  payload?: string;
  headers: string[];
  /** What Haven stores: active, or off when the client asked for off. */
  status: 'active' | 'off';
}

/** Payloads Haven sends: the resource as FHIR JSON. Absent means an empty body. */
const PAYLOADS = new Set(['application/fhir+json', 'application/json']);
/** An HTTP field line: token name, then a value without control characters. */
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0A-\x1F\x7F]*)$/;
/** Headers Haven sets itself on a delivery. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

export function checkSubscription(resource: Subscription, search: SearchEngine, origins: readonly string[]): CheckedSubscription {
  const at = (element: string) => [`Subscription.${element}`];
  if (resource.status === 'error') throw FhirError.unprocessable('Subscription.status "error" is set by the server, not by clients; send "requested"', at('status'));
  if (resource.end && Date.parse(resource.end) <= Date.now()) throw FhirError.unprocessable('Subscription.end is in the past', at('end'));
  const channel = resource.channel;
  if (channel?.type !== 'rest-hook') {
    throw FhirError.unprocessable(`Haven delivers Subscriptions with channel.type "rest-hook" only, got "${channel?.type ?? ''}"`, at('channel.type'));
  }
  if (!channel.endpoint) throw FhirError.unprocessable('A rest-hook Subscription needs channel.endpoint', at('channel.endpoint'));
  const refusal = endpointRefusal(channel.endpoint, origins);
  if (refusal) throw FhirError.unprocessable(refusal, at('channel.endpoint'));
  if (channel.payload !== undefined && !PAYLOADS.has(channel.payload)) {
    throw FhirError.unprocessable(`channel.payload must be application/fhir+json, or absent for an empty body; got "${channel.payload}"`, at('channel.payload'));
  }
  const headers = channel.header ?? [];
  for (const line of headers) {
    const match = HEADER_LINE.exec(line);
    if (!match) throw FhirError.unprocessable('Each channel.header must be a line "Name: value"', at('channel.header'));
    if (RESERVED_HEADERS.has(match[1].toLowerCase())) throw FhirError.unprocessable(`channel.header may not set ${match[1]}: Haven sets it`, at('channel.header'));
  }
  const criteria = parseCriteria(search, resource.criteria);
  return {
    criteria,
    endpoint: channel.endpoint,
    ...(channel.payload !== undefined ? { payload: channel.payload } : {}),
    headers,
    status: resource.status === 'off' ? 'off' : 'active',
  };
}
