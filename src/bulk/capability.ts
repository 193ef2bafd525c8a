// What the CapabilityStatement says about bulk data (reference/bulk-data.md section 1): the
// bulk-data CapabilityStatement instantiated, and the operation named `export` at every level.
const BULK = 'http://hl7.org/fhir/uv/bulkdata';

export const BULK_CAPABILITY = {
  instantiates: [`${BULK}/CapabilityStatement/bulk-data`],
  systemOperations: [{ name: 'export', definition: `${BULK}/OperationDefinition/export` }],
  resourceOperations: new Map([
    [
      'Patient',
      [
        { name: 'export', definition: `${BULK}/OperationDefinition/patient-export` },
        { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
      ],
    ],
    ['Group', [{ name: 'export', definition: `${BULK}/OperationDefinition/group-export` }]],
  ]),
};
