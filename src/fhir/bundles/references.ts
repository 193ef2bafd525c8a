// Reference rewriting inside a transaction Bundle: the fullUrls of its entries (urn:uuid:, urn:oid:
// or absolute) become the Type/id the server assigned, and conditional references
// ("Patient?identifier=sys|1") become the one resource they match.

/** "Patient?identifier=..." : a reference that is a search, relative to the base. */
const CONDITIONAL = /^[A-Z][A-Za-z]+\?.+/;

/**
 * Rewrites, in place, every Reference.reference, every other string element equal to a mapped
 * fullUrl (uri, url, oid and uuid elements), and href/src attributes in narrative.
 * Canonical elements are left alone (FHIR: they are not rewritten), which in practice means
 * references to canonical URLs never equal a temporary fullUrl.
 */
export function rewriteReferences(node: unknown, fullUrls: ReadonlyMap<string, string>, conditional: ReadonlyMap<string, string>): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const value = node[i];
      if (typeof value === 'string') {
        const mapped = fullUrls.get(value);
        if (mapped) node[i] = mapped;
      } else rewriteReferences(value, fullUrls, conditional);
    }
    return;
  }
  if (!node || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string') {
      if (key === 'reference' && conditional.has(value)) object[key] = conditional.get(value);
      else if (fullUrls.has(value)) object[key] = fullUrls.get(value);
      else if (key === 'div') object[key] = rewriteNarrative(value, fullUrls);
    } else {
      rewriteReferences(value, fullUrls, conditional);
    }
  }
}

/** The conditional references ("Type?query") anywhere in a resource. */
export function conditionalReferences(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => conditionalReferences(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string' && CONDITIONAL.test(value)) found.add(value);
      else if (typeof value === 'object') conditionalReferences(value, found);
    }
  }
  return found;
}

function rewriteNarrative(div: string, fullUrls: ReadonlyMap<string, string>): string {
  return div.replace(/\b(href|src)=(["'])([^"']*)\2/g, (whole, attribute: string, quote: string, target: string) => {
    const mapped = fullUrls.get(target);
    return mapped ? `${attribute}=${quote}${mapped}${quote}` : whole;
  });
}
