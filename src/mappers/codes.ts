// The code systems, codes and units the mappers write, copied from
// ../shared/reference/clinical-codes.md and mapping.md. Tests check the resources built against
// literal values from those documents, never against these constants.

/** Haven's canonical base: the same in every deployment (mapping.md). */
export const HAVEN_CANONICAL = 'https://haven-fhir.org/fhir';

export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  ucum: 'http://unitsofmeasure.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  usCoreCategory: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category',
  careplanCategory: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category',
  flagCategory: 'http://terminology.hl7.org/CodeSystem/flag-category',
  communicationCategory: 'http://terminology.hl7.org/CodeSystem/communication-category',
  wellbeing: `${HAVEN_CANONICAL}/CodeSystem/haven-wellbeing`,
  feelings: `${HAVEN_CANONICAL}/CodeSystem/haven-feelings`,
  recordKind: `${HAVEN_CANONICAL}/CodeSystem/record-kind`,
  phq9Severity: `${HAVEN_CANONICAL}/CodeSystem/phq-9-severity`,
  gad7Severity: `${HAVEN_CANONICAL}/CodeSystem/gad-7-severity`,
} as const;

export const EXTENSION = {
  ordinalValue: 'http://hl7.org/fhir/StructureDefinition/ordinalValue',
  flagDetail: 'http://hl7.org/fhir/StructureDefinition/flag-detail',
} as const;

export const PROFILE = {
  vitalsPanel: 'http://hl7.org/fhir/StructureDefinition/vitalspanel',
  bloodPressure: 'http://hl7.org/fhir/StructureDefinition/bp',
  heartRate: 'http://hl7.org/fhir/StructureDefinition/heartrate',
  bodyWeight: 'http://hl7.org/fhir/StructureDefinition/bodyweight',
  oxygenSaturation: 'http://hl7.org/fhir/StructureDefinition/oxygensat',
  bodyTemperature: 'http://hl7.org/fhir/StructureDefinition/bodytemp',
  usCorePulseOximetry: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-pulse-oximetry',
  usCoreScreeningAssessment: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment',
} as const;

/** The app record kinds, as codes of Haven's record-kind CodeSystem (meta.tag). */
export const RECORD_KINDS = ['mood-entry', 'vitals', 'medication', 'medication-log', 'assessment', 'care-plan'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** A code with its display; display omitted where the reference could not confirm the string. */
export interface Code {
  code: string;
  display?: string;
}

export const WELLBEING = {
  mood: { code: 'mood-self-rating', display: 'Mood self-rating (1-10)' },
  energy: { code: 'energy-self-rating', display: 'Energy self-rating (1-10)' },
  anxiety: { code: 'anxiety-self-rating', display: 'Anxiety self-rating (1-10)' },
  stress: { code: 'stress-self-rating', display: 'Stress self-rating (1-10)' },
  feeling: { code: 'feeling', display: 'Feeling' },
  trigger: { code: 'trigger', display: 'Trigger' },
} as const satisfies Record<string, Code>;

/** The feelings Haven's feelings CodeSystem codes (mapping.md); any other word stays text only. */
export const FEELINGS = ['Happy', 'Sad', 'Angry', 'Fearful', 'Surprised', 'Disgusted', 'Calm'] as const;

export const LOINC = {
  sleepDuration: { code: '93832-4', display: 'Sleep duration' },
  vitalSignsPanel: { code: '85353-1' },
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  heartRate: { code: '8867-4', display: 'Heart rate' },
  bodyWeight: { code: '29463-7', display: 'Body weight' },
  pulseOximetry: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
  oxygenSaturation: { code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
  bodyTemperature: { code: '8310-5', display: 'Body temperature' },
} as const satisfies Record<string, Code>;

/** UCUM code and the human-readable unit written next to it. */
export interface Unit {
  code: string;
  unit: string;
}

export const UNIT = {
  score: { code: '{score}', unit: '{score}' },
  hours: { code: 'h', unit: 'h' },
  mmHg: { code: 'mm[Hg]', unit: 'mmHg' },
  perMinute: { code: '/min', unit: 'beats/minute' },
  pound: { code: '[lb_av]', unit: 'lb' },
  percent: { code: '%', unit: '%' },
  fahrenheit: { code: '[degF]', unit: 'degF' },
} as const satisfies Record<string, Unit>;

export const CATEGORY = {
  survey: { code: 'survey', display: 'Survey' },
  vitalSigns: { code: 'vital-signs', display: 'Vital Signs' },
  /** US Core's screening category for mental status (clinical-codes.md §1.5). */
  cognitiveStatus: { code: 'cognitive-status' },
  assessPlan: { code: 'assess-plan', display: 'Assessment and Plan of Treatment' },
  safetyFlag: { code: 'safety', display: 'Safety' },
  alert: { code: 'alert', display: 'Alert' },
} as const satisfies Record<string, Code>;

/** SNOMED CT "At risk for suicide"; display left out (V* only in clinical-codes.md §10). */
export const SUICIDE_RISK = { code: '225444004' } as const satisfies Code;
export const SUICIDE_RISK_TEXT = 'Positive PHQ-9 item 9: suicide-risk follow-up needed';
