// A Subscription as a client writes it, checked before Haven stores it: an R4 rest-hook channel
// with an endpoint Haven may deliver to, a payload Haven can send, well-formed header lines and
// criteria the search engine evaluates. What passes is stored `active` (or `off` when the client
// turns it off); anything else is a 4xx naming the element.
import type { Extension, Subscription } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import type { SearchEngine } from '../store/search/engine.js';
import { parseCriteria, type SubscriptionCriteria } from './criteria.js';
import { endpointRefusal } from './endpoint-policy.js';
import { BACKPORT, PAYLOAD_CONTENTS, topicOf, type PayloadContent, type Topic } from './topics.js';

export interface CheckedSubscription {
  criteria: SubscriptionCriteria;
  endpoint: string;
  payload?: string;
  headers: string[];
  /** What Haven stores: active, or off when the client asked for off. */
  status: 'active' | 'off';
  /** Backport IG: the topic the criteria name, and how much a notification carries. */
  topic?: Topic;
  content?: PayloadContent;
}

/** Payloads Haven sends: the resource as FHIR JSON. Absent means an empty body. */
const PAYLOADS = new Set(['application/fhir+json', 'application/json']);
/** An HTTP field line: token name, then a value without control characters. */
// eslint-disable-next-line no-control-regex -- control characters are what a header value may not hold
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0A-\x1F\x7F]*)$/;
/** Headers Haven sets itself on a delivery. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

export function checkSubscription(resource: Subscription, search: SearchEngine, origins: readonly string[]): CheckedSubscription {
  const at = (element: string) => [`Subscription.${element}`];
  if (resource.status === 'error')
    throw FhirError.unprocessable('invalid-subscription', 'Subscription.status "error" is set by the server, not by clients; send "requested"', at('status'));
  if (resource.end && Date.parse(resource.end) <= Date.now())
    throw FhirError.unprocessable('invalid-subscription', 'Subscription.end is in the past', at('end'));
  const channel = resource.channel;
  if (channel?.type !== 'rest-hook') {
    throw FhirError.unprocessable(
      'invalid-subscription',
      `Haven delivers Subscriptions with channel.type "rest-hook" only, got "${channel?.type ?? ''}"`,
      at('channel.type'),
    );
  }
  if (!channel.endpoint) throw FhirError.unprocessable('invalid-subscription', 'A rest-hook Subscription needs channel.endpoint', at('channel.endpoint'));
  const refusal = endpointRefusal(channel.endpoint, origins);
  if (refusal) throw FhirError.unprocessable('invalid-subscription', refusal, at('channel.endpoint'));
  if (channel.payload !== undefined && !PAYLOADS.has(channel.payload)) {
    throw FhirError.unprocessable(
      'invalid-subscription',
      `channel.payload must be application/fhir+json, or absent for an empty body; got "${channel.payload}"`,
      at('channel.payload'),
    );
  }
  const headers = channel.header ?? [];
  for (const line of headers) {
    const match = HEADER_LINE.exec(line);
    if (!match) throw FhirError.unprocessable('invalid-subscription', 'Each channel.header must be a line "Name: value"', at('channel.header'));
    if (RESERVED_HEADERS.has(match[1].toLowerCase()))
      throw FhirError.unprocessable('invalid-subscription', `channel.header may not set ${match[1]}: Haven sets it`, at('channel.header'));
  }
  const topic = topicOf(resource.criteria);
  if (!topic && /^https?:\/\//.test(resource.criteria ?? '')) {
    throw FhirError.unprocessable('invalid-subscription', `Subscription.criteria names a topic Haven does not publish: ${resource.criteria}`, at('criteria'));
  }
  const criteria = topic ? topicCriteria(search, resource, topic) : parseCriteria(search, resource.criteria);
  const content = topic ? payloadContent(resource) : undefined;
  return {
    criteria,
    ...(topic ? { topic, content } : {}),
    endpoint: channel.endpoint,
    ...(channel.payload !== undefined ? { payload: channel.payload } : {}),
    headers,
    status: resource.status === 'off' ? 'off' : 'active',
  };
}

/**
 * A topic-based Subscription's criteria: the topic's type narrowed by its backport-filter-criteria
 * (each "Type?params" of the topic's type, ANDed).
 */
function topicCriteria(search: SearchEngine, resource: Subscription, topic: Topic): SubscriptionCriteria {
  const filters = primitiveExtensions(resource, '_criteria')
    .filter((e) => e.url === `${BACKPORT}/backport-filter-criteria`)
    .map((e) => e.valueString ?? '');
  const params: Array<[string, string]> = [];
  for (const filter of filters) {
    const parsed = parseCriteria(search, filter.includes('?') ? filter : `${topic.resourceType}?${filter}`);
    if (parsed.resourceType !== topic.resourceType) {
      throw FhirError.unprocessable(
        'invalid-subscription',
        `backport-filter-criteria "${filter}" must search ${topic.resourceType}, the topic's resource type`,
        ['Subscription.criteria'],
      );
    }
    params.push(...parsed.params);
  }
  return { resourceType: topic.resourceType, params, query: new URLSearchParams(params).toString() };
}

function payloadContent(resource: Subscription): PayloadContent {
  const code = primitiveExtensions(resource.channel, '_payload').find((e) => e.url === `${BACKPORT}/backport-payload-content`)?.valueCode;
  if (code === undefined) return 'id-only';
  if (!PAYLOAD_CONTENTS.includes(code as PayloadContent)) {
    throw FhirError.unprocessable('invalid-subscription', `backport-payload-content must be empty, id-only or full-resource, got "${code}"`, [
      'Subscription.channel.payload',
    ]);
  }
  return code as PayloadContent;
}

/** The extensions on a primitive element (`_criteria`, `_payload`), which the R4 types leave out. */
function primitiveExtensions(element: object | undefined, key: string): Extension[] {
  const primitive = (element as Record<string, { extension?: Extension[] } | undefined> | undefined)?.[key];
  return primitive?.extension ?? [];
}
