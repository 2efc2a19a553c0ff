// A request field with a default (`?limit=`, 50; a fail's `error_code`) may be left out: the
// validator fills it in. TypeBox lists it as required all the same (the handler always sees it), and
// the OpenAPI document said "required", so /docs and clients generated from it asked for a value the
// server never needs. The document's copy of each request schema drops those from `required`.

type Schema = Record<string, unknown>;

const REQUEST_PARTS = ["body", "querystring", "params", "headers"] as const;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A copy of `schema` whose objects do not require the properties that have a default. */
export function withDefaultsOptional(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withDefaultsOptional);
  if (!isSchema(schema)) return schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = withDefaultsOptional(value);
  const properties = copy.properties;
  if (isSchema(properties) && Array.isArray(copy.required)) {
    copy.required = copy.required.filter((name) => !(isSchema(properties[name]) && "default" in properties[name]));
  }
  return copy;
}

/** The route schema as the OpenAPI document shows it: request parts with defaults optional. */
export function documentedSchema<T extends object>(schema: T): T {
  if (!schema) return schema;
  const copy: Schema = { ...(schema as Schema) };
  for (const part of REQUEST_PARTS) {
    if (copy[part] !== undefined) copy[part] = withDefaultsOptional(copy[part]);
  }
  return copy as T;
}
