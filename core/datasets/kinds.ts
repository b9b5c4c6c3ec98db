/** The three dataset kinds migflow prepares, one per serving agent of the reference. */
export const DatasetKind = { coder: 'coder', rag: 'rag', chat: 'chat' } as const;
export type DatasetKind = (typeof DatasetKind)[keyof typeof DatasetKind];

export function isDatasetKind(value: string): value is DatasetKind {
  return Object.hasOwn(DatasetKind, value);
}
