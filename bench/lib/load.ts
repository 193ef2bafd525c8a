// Drives one server with autocannon and reduces the result to the figures the report shows.
import autocannon from 'autocannon';

export interface RequestPlan {
  method: 'GET' | 'POST' | 'PUT';
  /** A path, or a function giving the path of each request (random ids, ...). */
  path: string | (() => string);
  body?: string | (() => string);
  headers?: Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  total: number;
}

export async function drive(baseUrl: string, plan: RequestPlan, options: { duration: number; connections: number }): Promise<LoadResult> {
  const pathOf = typeof plan.path === 'function' ? plan.path : () => plan.path as string;
  const bodyOf = typeof plan.body === 'function' ? plan.body : plan.body === undefined ? undefined : () => plan.body as string;
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.duration,
    requests: [
      {
        method: plan.method,
        headers: { ...(plan.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}), ...plan.headers },
        setupRequest: (request) => {
          request.path = pathOf();
          if (bodyOf) request.body = bodyOf();
          return request;
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}
