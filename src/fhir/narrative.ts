// FHIR narrative is limited XHTML that clients render in browsers: refuse active content, which
// would turn a stored resource into stored cross-site scripting (FHIR R4 narrative rules txt-1/txt-2).

const ACTIVE_CONTENT = [
  {
    test: /<\s*(script|iframe|object|embed|form|input|button|style|link|meta|base|frame|frameset|applet)\b/i,
    reason: 'contains an element narrative may not use',
  },
  { test: /\son[a-z]+\s*=/i, reason: 'contains an event-handler attribute' },
  { test: /(href|src)\s*=\s*["']?\s*(javascript|vbscript|data):/i, reason: 'contains a script URL' },
];

/** Why `div` is not acceptable narrative, or undefined when it is. */
export function unsafeNarrativeReason(div: string): string | undefined {
  if (!/^\s*<div[\s>]/.test(div) || !/<\/div>\s*$/.test(div)) return 'must be an XHTML <div> element';
  if (!/xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml["']/.test(div)) return 'must declare the XHTML namespace (xmlns="http://www.w3.org/1999/xhtml")';
  for (const rule of ACTIVE_CONTENT) if (rule.test.test(div)) return rule.reason;
  return undefined;
}
