// Search parameter values as FHIR escapes them (R4 search.html#escaping): ',' separates
// alternatives, '|' the parts of a token or quantity, '$' the parts of a composite; a backslash
// makes any of them, and itself, literal ("\,", "\|", "\$", "\\").

export type SearchSeparator = ',' | '|' | '$';

/**
 * Splits on each unescaped `separator`. The escapes are kept, so that a part can be split again on
 * another separator ("a\|b|c" split on ',' then on '|'); `unescapeSearchValue` removes them last.
 */
export function splitEscaped(value: string, separator: SearchSeparator): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1];
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** The literal text of a value: "\," "\|" "\$" "\\" become "," "|" "$" "\"; other backslashes stay. */
export function unescapeSearchValue(value: string): string {
  return value.replace(/\\([,|$\\])/g, '$1');
}

/** The alternatives of one parameter occurrence, unescaped: "a,b\,c" -> ["a", "b,c"]. */
export function searchAlternatives(value: string): string[] {
  return splitEscaped(value, ',').map(unescapeSearchValue);
}
