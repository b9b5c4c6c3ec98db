/**
 * Inputs that cross Temporal are JSON, and their optional fields are left out rather than sent as `undefined`
 * (cache keys, history and `in` checks then see one form): one helper instead of `...(x !== undefined ? { x } : {})`
 * at every call.
 */

/** `T` with its possibly-undefined fields made optional and never undefined. */
export type DefinedFields<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** `fields` without the entries whose value is undefined. */
export function definedFields<T extends object>(fields: T): DefinedFields<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as DefinedFields<T>;
}
