// JSON Patch (RFC 6902) applied to the stored resource; the result then goes through the same
// validation as any update.
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../errors.js';
import { cloneLossless } from '../../json/lossless.js';

const { applyPatch, JsonPatchError } = fastJsonPatch;

/** Errors in the patch document itself (400), as opposed to a patch that cannot apply (422). */
const MALFORMED = new Set([
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_OP_INVALID',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
  'OPERATION_FROM_UNRESOLVABLE',
]);

export function applyJsonPatch(resource: Resource, patch: unknown): Resource {
  if (!Array.isArray(patch)) throw FhirError.badRequest('invalid-patch', 'A JSON Patch body must be an array of operations');
  if (!patch.length) throw FhirError.badRequest('invalid-patch', 'The JSON Patch has no operations');
  let result: Resource;
  try {
    result = applyPatch(cloneLossless(resource), patch as Operation[], true, true, true).newDocument;
  } catch (error) {
    if (error instanceof JsonPatchError) {
      const at = error.index !== undefined ? ` (operation ${error.index})` : '';
      const message = `${describePatchError(error.name)}${at}`;
      throw MALFORMED.has(error.name) ? FhirError.badRequest('invalid-patch', message) : FhirError.unprocessable('invalid-patch', message);
    }
    throw FhirError.badRequest('invalid-patch', `The JSON Patch could not be applied: ${(error as Error).message}`);
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    throw FhirError.unprocessable('invalid-patch', 'The JSON Patch replaced the whole resource with something that is not a resource');
  }
  if (result.resourceType !== resource.resourceType || result.id !== resource.id) {
    throw FhirError.unprocessable('invalid-patch', 'A patch may not change resourceType or id');
  }
  return keepNarrativeSafe(resource, result, patch as Operation[]);
}

/**
 * FHIR requires a patch to keep narrative consistent with the data. Generated narrative that the
 * patch leaves stale is removed (Haven cannot regenerate it); narrative written by a person
 * ("additional", "extensions") must be patched together with the data, or the patch is refused.
 */
function keepNarrativeSafe(before: Resource, after: Resource, patch: Operation[]): Resource {
  const text = (before as { text?: { status?: string } }).text;
  if (!text) return after;
  const touchesText = patch.some((op) => op.path === '/text' || op.path.startsWith('/text/'));
  const touchesData = patch.some((op) => op.path !== '/text' && !op.path.startsWith('/text/') && !op.path.startsWith('/meta'));
  if (!touchesData || touchesText) return after;
  if (text.status === 'generated') {
    const { text: _stale, ...rest } = after as Resource & { text?: unknown };
    return rest as Resource;
  }
  throw FhirError.unprocessable(
    'invalid-patch',
    `This resource's narrative (text.status "${text.status}") was not generated; patch /text together with the data, or use update`,
  );
}

function describePatchError(name: string): string {
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return 'A "test" operation of the JSON Patch failed';
    case 'OPERATION_PATH_UNRESOLVABLE':
      return 'A JSON Patch path does not exist in the resource';
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return 'A JSON Patch array index is out of bounds';
    case 'OPERATION_OP_INVALID':
      return 'A JSON Patch operation has an unknown "op"';
    case 'OPERATION_PATH_INVALID':
      return 'A JSON Patch operation has an invalid "path"';
    case 'OPERATION_VALUE_REQUIRED':
      return 'A JSON Patch operation is missing its "value"';
    case 'OPERATION_FROM_REQUIRED':
    case 'OPERATION_FROM_UNRESOLVABLE':
      return 'A JSON Patch "move" or "copy" has a missing or unresolvable "from"';
    default:
      return `The JSON Patch is invalid (${name})`;
  }
}
