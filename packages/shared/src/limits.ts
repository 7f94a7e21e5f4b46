/** Input bounds shared by the API's validation and by clients that want to validate early. */
export const LIMITS = {
  emailMax: 254,
  passwordMin: 8,
  passwordMax: 256,
  usernameMin: 3,
  usernameMax: 32,
  nameMax: 100,
  preferencesMax: 20,
  tagMax: 40,
  codeMaxBytes: 64 * 1024,
  pageDefault: 20,
  pageMax: 100,
  messageMax: 2000,
  titleMax: 200,
  descriptionMax: 50_000,
  testsMax: 200,
  generatedCasesMax: 100,
  stepsMax: 100,
  /** `challenges.calendar`: the longest range, and the default one (days ending today). */
  calendarDaysMax: 366,
  calendarDaysDefault: 365,
} as const;
